//! The album and song lists the Subsonic API serves, through the locker
//! service over a server's database, after the listener played and
//! starred through the API.

use std::collections::BTreeSet;

use cadenza_api::domain::{GlobalId, LockerAlbumKey, LockerArtistKey, Page, UserId};
use cadenza_api::services::locker::{AlbumList, AlbumSummary, Locker, RandomSongs};
use serde_json::Value;

use crate::audio::wav;
use crate::helpers::*;

async fn viewer(app: &TestApp, auth: &Auth) -> UserId {
    let body = app.viewer(auth).await;
    let id = data(&body)["viewer"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    GlobalId::decode_as::<UserId>(&id).unwrap().unwrap()
}

/// Title, artist, album, genre, year, track.
type Tags = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

async fn upload(app: &TestApp, auth: &Auth, tags: Tags, millis: u32) -> Value {
    let (title, artist, album, genre, year, track) = tags;
    let tags = [
        ("INAM", title),
        ("IART", artist),
        ("IPRD", album),
        ("IGNR", genre),
        ("ICRD", year),
        ("ITRK", track),
    ];
    let body = app.upload(auth, "t.wav", wav(millis, &tags)).await;
    data(&body)["uploadTrack"].clone()
}

fn page(offset: u64, limit: u64) -> Page {
    Page { offset, limit }
}

fn titles(albums: &[AlbumSummary]) -> Vec<&str> {
    albums.iter().map(|album| album.title.as_str()).collect()
}

async fn list(locker: &Locker, user: UserId, list: AlbumList) -> Vec<AlbumSummary> {
    locker.album_list(user, &list, page(0, 50)).await.unwrap()
}

#[tokio::test]
async fn album_and_song_lists_choose_and_order_as_asked() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let other = app.customer().await;
    // Oldest first: Alpha, then beta, then Gamma.
    let alpha_one = upload(
        &app,
        &listener,
        ("A1", "Zed", "Alpha", "Rock", "2001", "1"),
        400,
    )
    .await;
    let alpha_two = upload(
        &app,
        &listener,
        ("A2", "Zed", "Alpha", "Rock", "2001", "2"),
        500,
    )
    .await;
    let beta = upload(
        &app,
        &listener,
        ("B1", "Abba", "beta", "Pop", "1999", "1"),
        600,
    )
    .await;
    let gamma = upload(
        &app,
        &listener,
        ("G1", "Moe", "Gamma", "rock", "2010", "1"),
        700,
    )
    .await;
    // Someone else's album of the same name, played and starred.
    let theirs = upload(
        &app,
        &other,
        ("A1", "Zed", "Alpha", "Rock", "2001", "1"),
        800,
    )
    .await;
    data(&app.record_play(&other, &theirs["id"], 100, None).await);
    data(&app.star(&other, &[&theirs["albumId"]]).await);

    for _ in 0..3 {
        data(&app.record_play(&listener, &gamma["id"], 100, None).await);
    }
    data(&app.record_play(&listener, &beta["id"], 100, None).await);
    data(&app.star(&listener, &[&beta["albumId"], &beta["id"]]).await);
    data(
        &app.star(&listener, &[&gamma["albumId"], &alpha_one["artistId"]])
            .await,
    );

    let user = viewer(&app, &listener).await;
    let locker = app.locker_service().await;

    assert_eq!(
        titles(&list(&locker, user, AlbumList::Newest).await),
        ["Gamma", "beta", "Alpha"]
    );
    assert_eq!(
        titles(&list(&locker, user, AlbumList::AlphabeticalByName).await),
        ["Alpha", "beta", "Gamma"]
    );
    assert_eq!(
        titles(&list(&locker, user, AlbumList::AlphabeticalByArtist).await),
        ["beta", "Gamma", "Alpha"]
    );
    assert_eq!(
        titles(
            &list(
                &locker,
                user,
                AlbumList::ByYear {
                    from: 2000,
                    to: 2020
                }
            )
            .await
        ),
        ["Alpha", "Gamma"]
    );
    assert_eq!(
        titles(
            &list(
                &locker,
                user,
                AlbumList::ByYear {
                    from: 2020,
                    to: 1990
                }
            )
            .await
        ),
        ["Gamma", "Alpha", "beta"]
    );
    assert_eq!(
        titles(
            &list(
                &locker,
                user,
                AlbumList::ByGenre {
                    genre: "ROCK".into()
                }
            )
            .await
        ),
        ["Alpha", "Gamma"]
    );
    assert_eq!(
        titles(&list(&locker, user, AlbumList::Frequent).await),
        ["Gamma", "beta"]
    );
    assert_eq!(
        titles(&list(&locker, user, AlbumList::Recent).await),
        ["beta", "Gamma"]
    );
    assert_eq!(
        titles(&list(&locker, user, AlbumList::Starred).await),
        ["Gamma", "beta"]
    );
    let random: BTreeSet<String> = list(&locker, user, AlbumList::Random)
        .await
        .into_iter()
        .map(|album| album.title)
        .collect();
    assert_eq!(
        random,
        BTreeSet::from(["Alpha".into(), "beta".into(), "Gamma".into()])
    );
    let second = locker
        .album_list(user, &AlbumList::Newest, page(1, 1))
        .await
        .unwrap();
    assert_eq!(titles(&second), ["beta"]);
    let too_many = locker
        .album_list(user, &AlbumList::Random, page(0, 501))
        .await
        .unwrap_err();
    assert_eq!(too_many.code(), "BAD_USER_INPUT");

    // What each album says of itself.
    let albums = list(&locker, user, AlbumList::AlphabeticalByName).await;
    let alpha = &albums[0];
    assert_eq!(alpha.key, LockerAlbumKey::of("Alpha", "Zed"));
    assert_eq!(alpha.artist, "Zed");
    assert_eq!(alpha.artist_key, LockerArtistKey::of("zed"));
    assert_eq!(alpha.year, Some(2001));
    assert_eq!(alpha.genre.as_deref(), Some("Rock"));
    assert_eq!(alpha.song_count, 2);
    assert_eq!(
        alpha.duration_ms,
        alpha_one["durationMs"].as_i64().unwrap() + alpha_two["durationMs"].as_i64().unwrap()
    );
    assert!(alpha.created < alpha.last_added);
    assert_eq!(alpha.cover_item, None, "no item has a cover");
    assert_eq!((alpha.play_count, alpha.starred_at), (0, None));
    let gamma_album = &albums[2];
    assert_eq!(gamma_album.play_count, 3);
    assert!(gamma_album.last_played.is_some());
    assert!(gamma_album.starred_at.is_some());

    // The album with its items, and an artist's albums.
    let group = locker.album(user, alpha.key).await.unwrap().unwrap();
    let items: Vec<&str> = group.items.iter().map(|item| item.title.as_str()).collect();
    assert_eq!(items, ["A1", "A2"]);
    let of_zed = locker
        .albums_of_artist(user, LockerArtistKey::of("Zed"))
        .await
        .unwrap();
    assert_eq!(titles(&of_zed), ["Alpha"]);
    let artists = locker.album_artists(user, page(0, 50)).await.unwrap();
    let names: Vec<&str> = artists.items.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Abba", "Moe", "Zed"]);
    assert_eq!(artists.total, 3);

    // Genres, songs of a genre, random songs.
    let genres = locker.genres(user).await.unwrap();
    let genres: Vec<(&str, i64, i64)> = genres
        .iter()
        .map(|g| (g.name.as_str(), g.song_count, g.album_count))
        .collect();
    assert_eq!(genres, [("Pop", 1, 1), ("Rock", 3, 2)]);
    let rock = locker
        .songs_by_genre(user, "rock", page(0, 10))
        .await
        .unwrap();
    let rock: Vec<&str> = rock.iter().map(|item| item.title.as_str()).collect();
    assert_eq!(rock, ["G1", "A1", "A2"]);
    let rock = locker
        .songs_by_genre(user, "Rock", page(1, 1))
        .await
        .unwrap();
    assert_eq!(rock[0].title, "A1");
    let picked = RandomSongs {
        size: 10,
        genre: Some("rock".into()),
        from_year: Some(2005),
        to_year: None,
    };
    let random = locker.random_songs(user, &picked).await.unwrap();
    let random: Vec<&str> = random.iter().map(|item| item.title.as_str()).collect();
    assert_eq!(random, ["G1"]);
    let everything = RandomSongs {
        size: 10,
        ..RandomSongs::default()
    };
    assert_eq!(
        locker.random_songs(user, &everything).await.unwrap().len(),
        4
    );

    // What they starred.
    let starred_items = locker.starred_items(user, page(0, 10)).await.unwrap();
    assert_eq!(starred_items.len(), 1);
    assert_eq!(starred_items[0].title, "B1");
    let starred_artists = locker.starred_artists(user, page(0, 10)).await.unwrap();
    let starred_artists: Vec<&str> = starred_artists.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(starred_artists, ["Zed"]);

    // The other listener's lists hold only their own.
    let theirs_user = viewer(&app, &other).await;
    for kind in [AlbumList::Newest, AlbumList::Frequent, AlbumList::Starred] {
        let albums = list(&locker, theirs_user, kind).await;
        assert_eq!(albums.len(), 1);
        assert_eq!(albums[0].song_count, 1);
        assert_eq!(albums[0].play_count, 1);
    }
}

#[tokio::test]
async fn newest_albums_page_past_the_first_window_in_walking_order() {
    use entities::locker_item;
    use sea_orm::{ActiveValue, EntityTrait, QueryFilter, Set};

    let app = spawn_app().await;
    let listener = app.customer().await;
    let first = upload(
        &app,
        &listener,
        ("Seed", "Band", "Album 9999", "Rock", "2001", "1"),
        400,
    )
    .await;
    let user = viewer(&app, &listener).await;
    let db = app.database().await;
    let row = locker_item::Entity::find()
        .filter(sea_orm::ColumnTrait::eq(
            &locker_item::Column::UserId,
            user.0,
        ))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.title, first["title"]);
    // 1,200 more items: 120 albums of 10, three items to each instant so
    // that ties are broken by id, the albums interleaved so that an album's
    // place is its newest item's, more than two windows of 500.
    let start = row.added_at + chrono::Duration::seconds(1);
    let mut copies = Vec::new();
    for n in 0..1_200u32 {
        let album = format!("Album {:04}", (n * 7) % 120);
        let mut copy: locker_item::ActiveModel = row.clone().into();
        copy.id = ActiveValue::NotSet;
        copy.album = Set(album.clone());
        copy.album_key = Set(LockerAlbumKey::of(&album, "Band").to_string());
        copy.content_hash = Set(format!("{n:064x}"));
        copy.added_at = Set(start + chrono::Duration::seconds(i64::from(n / 3)));
        copies.push(copy);
    }
    for chunk in copies.chunks(200) {
        locker_item::Entity::insert_many(chunk.to_vec())
            .exec(&db)
            .await
            .unwrap();
    }
    // What walking the items newest first meets, album by album.
    let mut rows = locker_item::Entity::find()
        .filter(sea_orm::ColumnTrait::eq(
            &locker_item::Column::UserId,
            user.0,
        ))
        .all(&db)
        .await
        .unwrap();
    rows.sort_by_key(|row| std::cmp::Reverse((row.added_at, row.id)));
    let mut expected: Vec<String> = Vec::new();
    for row in &rows {
        let album = row.album.clone();
        if !expected.contains(&album) {
            expected.push(album);
        }
    }
    assert_eq!(expected.len(), 121);

    let locker = app.locker_service().await;
    for (offset, limit) in [(0, 50), (40, 50), (100, 50)] {
        let got = locker
            .album_list(user, &AlbumList::Newest, page(offset, limit))
            .await
            .unwrap();
        let want: Vec<&str> = expected
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(String::as_str)
            .collect();
        assert_eq!(titles(&got), want, "from {offset}");
    }
}
