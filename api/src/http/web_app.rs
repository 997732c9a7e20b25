//! The web app at `/` and GraphiQL at `/graphql` (for a browser), both
//! embedded in the binary by `build.rs`.
//!
//! Every file is served with an ETag (a hash of its bytes) and
//! `Cache-Control: no-cache`, so a browser keeps its copy and asks with
//! `If-None-Match` whether it is still current; a 304 costs no body. A
//! gzipped copy (with a tag of its own) is made once, off the request
//! threads, the first time the file is asked for. Pages
//! carry a Content-Security-Policy that allows script from this origin
//! only, never inline.
//!
//! `CADENZA_WEB_DIR` serves the app from a folder instead, read at each
//! request, for working on the app without rebuilding the server.

use std::io::Write as _;
use std::path::{Component, Path};
use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::AppState;

/// The app's files, by their path under `api/web/`.
const WEB: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
/// GraphiQL's page, our start script and its production build.
const GRAPHIQL: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/graphiql_assets.rs"));

/// The web app's policy: nothing but this origin, no inline script or
/// style, no frames, no plugins. Images may be `data:` (covers drawn by
/// the page) and `blob:`.
const APP_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
     font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// GraphiQL's: script from this origin only; its editor sets styles inline
/// and its fonts are `data:` URLs inside its stylesheet.
const GRAPHIQL_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// One embedded file with what serving it needs, computed once.
struct Prepared {
    /// The plain copy's tag; the gzipped copy's is `"<hash>-gz"`.
    etag: String,
    gzip: Option<(String, Bytes)>,
}

/// A set of embedded files, each prepared the first time it is asked for.
struct Embedded {
    files: &'static [(&'static str, &'static [u8])],
    /// One cell per entry of `files`.
    prepared: OnceLock<Vec<OnceLock<Prepared>>>,
    policy: &'static str,
}

static APP: Embedded = Embedded::new(WEB, APP_POLICY);
static GRAPHIQL_FILES: Embedded = Embedded::new(GRAPHIQL, GRAPHIQL_POLICY);

impl Embedded {
    const fn new(files: &'static [(&'static str, &'static [u8])], policy: &'static str) -> Self {
        Self {
            files,
            prepared: OnceLock::new(),
            policy,
        }
    }

    async fn serve(&'static self, req: &HttpRequest, name: &str) -> HttpResponse {
        let Some(at) = self.files.iter().position(|(file, _)| *file == name) else {
            return not_found();
        };
        let bytes = self.files[at].1;
        let cells = self
            .prepared
            .get_or_init(|| self.files.iter().map(|_| OnceLock::new()).collect());
        let prepared = prepared(&cells[at], bytes).await;
        respond(req, name, Bytes::from_static(bytes), prepared, self.policy)
    }
}

/// The file's tags and gzipped copy: made on a blocking thread the first
/// time the file is asked for (gzip at its best level takes a while for
/// GraphiQL's megabyte), then kept.
async fn prepared(cell: &'static OnceLock<Prepared>, bytes: &'static [u8]) -> &'static Prepared {
    if let Some(done) = cell.get() {
        return done;
    }
    match web::block(move || cell.get_or_init(|| prepare(bytes))).await {
        Ok(done) => done,
        // The blocking pool is gone (the server is stopping): do it here.
        Err(_) => cell.get_or_init(|| prepare(bytes)),
    }
}

fn prepare(bytes: &[u8]) -> Prepared {
    let hash = hex::encode(&Sha256::digest(bytes)[..12]);
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::best(),
    );
    // Writing into a Vec cannot fail; a failure just means no gzip copy.
    let gzip = encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .ok()
        .filter(|gzip| gzip.len() < bytes.len())
        .map(|gzip| (format!("\"{hash}-gz\""), Bytes::from(gzip)));
    Prepared {
        etag: format!("\"{hash}\""),
        gzip,
    }
}

/// `GET /`: the app's page.
pub async fn index(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    app_file(&req, &state, "index.html").await
}

/// `GET /assets/{path}`: the app's scripts, styles and images.
pub async fn asset(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    app_file(&req, &state, &format!("assets/{}", path.into_inner())).await
}

async fn app_file(req: &HttpRequest, state: &AppState, name: &str) -> HttpResponse {
    match &state.settings.http.web_dir {
        Some(dir) => from_folder(req, dir, name).await,
        None => APP.serve(req, name).await,
    }
}

/// The browser's GraphiQL page (`GET /graphql` asking for HTML).
pub async fn graphiql_page(req: &HttpRequest) -> HttpResponse {
    GRAPHIQL_FILES.serve(req, "index.html").await
}

/// `GET /graphiql/{file}`: GraphiQL's scripts and styles.
pub async fn graphiql_asset(req: HttpRequest, file: web::Path<String>) -> HttpResponse {
    let file = file.into_inner();
    if file == "index.html" {
        return not_found();
    }
    GRAPHIQL_FILES.serve(&req, &file).await
}

/// Development: the file from `CADENZA_WEB_DIR`, read now.
async fn from_folder(req: &HttpRequest, dir: &Path, name: &str) -> HttpResponse {
    let relative = Path::new(name);
    if !relative
        .components()
        .all(|part| matches!(part, Component::Normal(_)))
    {
        return not_found();
    }
    match tokio::fs::read(dir.join(relative)).await {
        Ok(bytes) => {
            let (bytes, prepared) = match web::block(move || {
                let prepared = prepare(&bytes);
                (bytes, prepared)
            })
            .await
            {
                Ok(done) => done,
                Err(_) => return HttpResponse::ServiceUnavailable().finish(),
            };
            respond(req, name, Bytes::from(bytes), &prepared, APP_POLICY)
        }
        Err(_) => not_found(),
    }
}

fn respond(
    req: &HttpRequest,
    name: &str,
    body: Bytes,
    prepared: &Prepared,
    policy: &'static str,
) -> HttpResponse {
    let gzip = prepared.gzip.as_ref().filter(|_| accepts_gzip(req));
    let etag = gzip.map_or(prepared.etag.as_str(), |(etag, _)| etag.as_str());
    let not_modified = super::caching::matches_etag(req.headers().get(header::IF_NONE_MATCH), etag);
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Stream and cover URLs carry signatures: never send them on.
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if name.ends_with(".html") {
        response
            .insert_header((header::CONTENT_SECURITY_POLICY, policy))
            .insert_header((header::X_FRAME_OPTIONS, "DENY"));
    }
    if not_modified {
        return response.finish();
    }
    response.insert_header((header::CONTENT_TYPE, content_type(name)));
    match gzip {
        Some((_, gzip)) => response
            .insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")))
            .body(gzip.clone()),
        None => response.body(body),
    }
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|param| {
                param
                    .trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json" | "webmanifest") => "application/json",
        _ => "application/octet-stream",
    }
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "graphiql")]
    #[test]
    fn the_app_and_graphiql_are_embedded() {
        assert!(WEB.iter().any(|(name, _)| *name == "index.html"));
        for name in [
            "index.html",
            "init.js",
            "react.js",
            "react-dom.js",
            "graphiql.js",
            "graphiql.css",
        ] {
            let file = GRAPHIQL.iter().find(|(file, _)| *file == name);
            assert!(file.is_some_and(|(_, bytes)| !bytes.is_empty()), "{name}");
        }
    }

    #[cfg(not(feature = "graphiql"))]
    #[test]
    fn without_graphiql_the_page_says_how_to_get_it() {
        let page = GRAPHIQL.iter().find(|(file, _)| *file == "index.html");
        let page = String::from_utf8_lossy(page.unwrap().1);
        assert!(page.contains("GraphiQL is not in this build"));
        assert!(!GRAPHIQL.iter().any(|(file, _)| *file == "graphiql.js"));
    }

    #[actix_web::test]
    async fn the_development_folder_serves_nothing_outside_it() {
        let root = tempfile::tempdir().unwrap();
        let app = root.path().join("web");
        std::fs::create_dir_all(app.join("assets")).unwrap();
        std::fs::write(app.join("assets/app.js"), "export {};").unwrap();
        std::fs::write(root.path().join("secret.txt"), "secret").unwrap();
        let req = actix_web::test::TestRequest::default().to_http_request();
        let served = from_folder(&req, &app, "assets/app.js").await;
        assert_eq!(served.status(), 200);
        let content_type = served.headers().get(header::CONTENT_TYPE).unwrap();
        assert!(content_type
            .to_str()
            .unwrap()
            .starts_with("text/javascript"));
        for name in [
            "../secret.txt",
            "assets/../../secret.txt",
            "/etc/passwd",
            "assets/missing.js",
        ] {
            assert_eq!(from_folder(&req, &app, name).await.status(), 404, "{name}");
        }
    }

    #[test]
    fn gzip_has_its_own_tag() {
        let text = "let x = 1;\n".repeat(200);
        let prepared = prepare(text.as_bytes());
        let (etag, gzip) = prepared.gzip.unwrap();
        assert_ne!(etag, prepared.etag);
        assert!(gzip.len() < text.len());
    }

    #[test]
    fn gzip_is_chosen_only_when_accepted() {
        let accepts = |value: &str| {
            let req = actix_web::test::TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, value))
                .to_http_request();
            accepts_gzip(&req)
        };
        assert!(accepts("gzip, deflate, br"));
        assert!(accepts("br;q=1.0, gzip;q=0.8"));
        assert!(accepts("*"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("br, identity"));
    }
}
