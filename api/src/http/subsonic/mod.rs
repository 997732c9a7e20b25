//! `/rest/{method}`: the OpenSubsonic API, for the players listeners
//! already own, over the same services as GraphQL.
//!
//! Every method goes through `rest`: parameters from the query string and a
//! form body (`formPost`), the answer's format (`f=xml`, the default, or
//! `json`), who is calling (a player key as `apiKey`, or the account's
//! email as `u` with a player key or the password as `p`, or a token
//! `t = md5(key + s)`), the callers' rate limits, then the method itself.
//! A caller reaches their own locker, playlists, playback, plays, stars
//! and ratings, and nothing else: no store, export, deletion or admin.
//! Methods live by area: `system`, `browse`, `lists`, `search`, `media`,
//! `playlists`, `annotation` (scrobbles, stars, ratings, queue) and
//! `similar`.

mod annotation;
mod browse;
mod ids;
mod lists;
mod media;
mod params;
mod playlists;
pub mod response;
mod search;
mod similar;
mod songs;
mod system;

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use self::params::Params;
use self::response::{body, envelope, respond, Element, ErrorCode, Failure, Format};
use super::AppState;
use crate::services::accounts::player_keys::{is_player_key, Player, PlayerCredentials};
use crate::services::rate_limit::Limit;

pub use self::params::MAX_FORM_BYTES;

/// What a method answers: elements for the envelope, or bytes (a stream,
/// a picture).
pub enum Answer {
    Body(Element),
    Raw(HttpResponse),
}

impl From<Element> for Answer {
    fn from(body: Element) -> Self {
        Answer::Body(body)
    }
}

type Outcome = Result<Answer, Failure>;

/// One call of a method: its request, parameters and caller.
pub struct Call<'a> {
    pub req: &'a HttpRequest,
    pub state: &'a AppState,
    pub params: &'a Params,
    pub player: &'a Player,
}

impl Call<'_> {
    fn services(&self) -> &crate::services::Services {
        &self.state.services
    }

    /// Counts a change against the caller's mutation limit, which GraphQL
    /// counts too: changing things over `/rest` buys no extra attempts.
    async fn count_change(&self) -> Result<(), Failure> {
        let limit = Limit {
            name: "mutation",
            max: self.state.settings.rate_limits.user_mutations_per_minute,
            window: Duration::from_secs(60),
        };
        self.services()
            .rate_limiter
            .hit(limit, &format!("user:{}", self.player.user.0))
            .await
            .map_err(Failure::from)
    }
}

/// GET and POST `/rest/{method}` and `/rest/{method}.view`.
pub async fn rest(
    req: HttpRequest,
    method: web::Path<String>,
    form: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let method = method.trim_end_matches(".view");
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let params = Params::parse(req.query_string(), is_form.then_some(&form[..]));
    let format = params
        .as_ref()
        .map(|params| Format::parse(params.get("f")))
        .unwrap_or(Format::Xml);
    let outcome = match params {
        Ok(params) => answer(&req, &state, method, &params).await,
        Err(failure) => Err(failure),
    };
    match outcome {
        Ok(Answer::Raw(response)) => response,
        Ok(Answer::Body(body)) => respond(format, &envelope(body, None)),
        Err(failure) => {
            tracing::info!(
                subsonic.method = method,
                subsonic.error = failure.code as i32,
                "OpenSubsonic request failed: {}",
                failure.message
            );
            respond(format, &envelope(response::body(), Some(&failure)))
        }
    }
}

async fn answer(req: &HttpRequest, state: &AppState, method: &str, params: &Params) -> Outcome {
    // The one method every player may ask before it has credentials.
    if method == "getOpenSubsonicExtensions" {
        return Ok(system::extensions().into());
    }
    let player = authenticate(req, state, params).await?;
    let call = Call {
        req,
        state,
        params,
        player: &player,
    };
    dispatch(&call, method).await
}

async fn dispatch(call: &Call<'_>, method: &str) -> Outcome {
    match method {
        "ping" => Ok(body().into()),
        "getLicense" => Ok(system::license().into()),
        "tokenInfo" => system::token_info(call),
        "getMusicFolders" => Ok(system::music_folders().into()),
        "getScanStatus" | "startScan" => system::scan_status(call).await,
        "getUser" => system::user(call).await,

        "getArtists" => browse::artists(call).await,
        "getIndexes" => browse::indexes(call).await,
        "getArtist" => browse::artist(call).await,
        "getAlbum" => browse::album(call).await,
        "getSong" => browse::song(call).await,
        "getMusicDirectory" => browse::directory(call).await,
        "getGenres" => lists::genres(call).await,
        "getAlbumList2" => lists::album_list(call, "albumList2").await,
        "getAlbumList" => lists::album_list(call, "albumList").await,
        "getRandomSongs" => lists::random_songs(call).await,
        "getSongsByGenre" => lists::songs_by_genre(call).await,

        "search3" => search::search3(call).await,

        "stream" | "download" => media::stream(call).await,
        "getCoverArt" => media::cover_art(call).await,
        "getLyricsBySongId" => media::lyrics_by_song_id(call).await,
        "getLyrics" => media::lyrics(call).await,

        "getPlaylists" => playlists::list(call).await,
        "getPlaylist" => playlists::get(call).await,
        "createPlaylist" => playlists::create(call).await,
        "updatePlaylist" => playlists::update(call).await,
        "deletePlaylist" => playlists::delete(call).await,

        "scrobble" => annotation::scrobble(call).await,
        "star" => annotation::star(call, true).await,
        "unstar" => annotation::star(call, false).await,
        "setRating" => annotation::set_rating(call).await,
        "getStarred2" => annotation::starred(call, "starred2").await,
        "getStarred" => annotation::starred(call, "starred").await,
        "getNowPlaying" => annotation::now_playing(call).await,
        "getPlayQueue" => annotation::play_queue(call, false).await,
        "getPlayQueueByIndex" => annotation::play_queue(call, true).await,
        "savePlayQueue" => annotation::save_play_queue(call, false).await,
        "savePlayQueueByIndex" => annotation::save_play_queue(call, true).await,

        "getSimilarSongs2" => similar::similar_songs(call, "similarSongs2").await,
        "getSimilarSongs" => similar::similar_songs(call, "similarSongs").await,
        "getTopSongs" => similar::top_songs(call).await,
        "getArtistInfo2" => similar::artist_info(call, "artistInfo2").await,
        "getArtistInfo" => similar::artist_info(call, "artistInfo").await,

        other => Err(Failure::new(
            ErrorCode::Generic,
            format!("Cadenza does not implement {other}; getOpenSubsonicExtensions and the README list what it does"),
        )),
    }
}

/// Who is calling, from `apiKey`, or `u` with `t` and `s` or with `p`.
/// Conflicting mechanisms are error 43; a wrong key 44; wrong credentials
/// 40, counted against the caller's address like a failed sign-in.
async fn authenticate(
    req: &HttpRequest,
    state: &AppState,
    params: &Params,
) -> Result<Player, Failure> {
    let api_key = params.get("apiKey");
    let user = params.get("u");
    let (token, salt, password) = (params.get("t"), params.get("s"), params.get("p"));
    if api_key.is_some()
        && (user.is_some() || token.is_some() || salt.is_some() || password.is_some())
    {
        return Err(Failure::new(
            ErrorCode::ConflictingMechanisms,
            "Multiple conflicting authentication mechanisms provided: with apiKey, send no u, p, t or s",
        ));
    }
    let credentials = match (api_key, user) {
        (Some(key), _) => PlayerCredentials::ApiKey(key),
        (None, None) => return Err(Failure::missing("u (or apiKey)")),
        (None, Some(user)) => match (token, salt, password) {
            (Some(_), _, Some(_)) => {
                return Err(Failure::new(
                    ErrorCode::ConflictingMechanisms,
                    "Multiple conflicting authentication mechanisms provided: send p, or t and s",
                ))
            }
            (Some(token), Some(salt), None) => PlayerCredentials::Token { user, token, salt },
            (Some(_), None, None) => return Err(Failure::missing("s")),
            (None, _, Some(password)) => {
                let decoded;
                let password = match password.strip_prefix("enc:") {
                    Some(hex_text) => {
                        decoded = hex::decode(hex_text)
                            .ok()
                            .and_then(|bytes| String::from_utf8(bytes).ok())
                            .ok_or_else(|| Failure::invalid("p", "enc: must be followed by hex"))?;
                        decoded.as_str()
                    }
                    None => password,
                };
                return sign_in(
                    req,
                    state,
                    PlayerCredentials::Password { user, password },
                    params,
                )
                .await;
            }
            (None, _, None) => return Err(Failure::missing("p (or t and s, or apiKey)")),
        },
    };
    sign_in(req, state, credentials, params).await
}

async fn sign_in(
    req: &HttpRequest,
    state: &AppState,
    credentials: PlayerCredentials<'_>,
    params: &Params,
) -> Result<Player, Failure> {
    let by_key = matches!(credentials, PlayerCredentials::ApiKey(_));
    let client = super::auth::client_address(req, &state.settings.http);
    let limit = Limit {
        name: "sign-in",
        max: state.settings.rate_limits.logins_per_15_minutes,
        window: Duration::from_secs(15 * 60),
    };
    // An address past its failed sign-ins has no password checked at all,
    // right or wrong, until its window ends (keys and tokens are random
    // secrets, not guessable words: they are only counted).
    let guessable = matches!(
        credentials,
        PlayerCredentials::Password { password, .. } if !is_player_key(password)
    );
    if let (true, Some(client)) = (guessable, &client) {
        state
            .services
            .rate_limiter
            .check(limit, &format!("ip:{client}"))
            .await
            .map_err(Failure::from)?;
    }
    let proved = state
        .services
        .player_keys
        .authenticate(credentials, params.get("c"))
        .await
        .map_err(Failure::from)?;
    if let Some(player) = proved {
        return Ok(player);
    }
    // A failed attempt counts against the address, like a failed sign-in.
    if let Some(client) = client {
        state
            .services
            .rate_limiter
            .hit(limit, &format!("ip:{client}"))
            .await
            .map_err(Failure::from)?;
    }
    Err(if by_key {
        Failure::new(ErrorCode::InvalidApiKey, "Invalid API key")
    } else {
        Failure::new(ErrorCode::WrongCredentials, "Wrong username or password")
    })
}
