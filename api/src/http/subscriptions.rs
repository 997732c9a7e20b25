//! GraphQL subscriptions over WebSocket (graphql-transport-ws) on
//! `/graphql`. The client authenticates with
//! `{"Authorization": "Bearer <access token>"}` as the `connection_init`
//! payload.
//!
//! Close codes follow graphql-ws, whose client reconnects after some and
//! gives up after others: a token that is bad or expired at
//! `connection_init`, or that expires on an open socket, closes it with
//! `4403 Forbidden`, after which the client connects again and asks its
//! `connectionParams` for a fresh token; a deleted account closes it with
//! 1008, which ends it for good; a close the client starts is answered
//! with the client's own code, so a client that closes with 1000 may
//! reconnect at once.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicI64, Ordering};
use std::sync::Arc;

use futures_util::StreamExt;

use super::auth::{self, Credentials};
use super::cors::Cors;
use super::AppState;
use crate::auth::Principal;
use crate::domain::UserId;
use crate::graphql::pipeline::socket::SocketExecutor;

pub async fn subscriptions(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> actix_web::Result<HttpResponse> {
    let cors = req.app_data::<web::Data<Cors>>();
    if cors.is_some_and(|cors| !cors.allows_socket(req.headers())) {
        return Ok(HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body("this origin may not open the subscription socket"));
    }
    let protocol = req
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .split(',')
                .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        })
        .unwrap_or(WebSocketProtocols::GraphQLWS);
    let (mut response, mut session, mut frames) = actix_ws::handle(&req, body)?;
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        header::HeaderValue::from_static(protocol.sec_websocket_protocol()),
    );

    // Text frames in, as a stream the protocol reader consumes.
    let (incoming, received) = tokio::sync::mpsc::channel::<String>(16);
    let mut control = session.clone();
    actix_web::rt::spawn(async move {
        while let Some(Ok(frame)) = frames.recv().await {
            let open = match frame {
                actix_ws::Message::Text(text) => incoming.send(text.to_string()).await.is_ok(),
                actix_ws::Message::Ping(bytes) => control.pong(&bytes).await.is_ok(),
                actix_ws::Message::Close(reason) => {
                    // The closing handshake echoes the client's code
                    // (RFC 6455, 5.5.1).
                    let _ = control.clone().close(reason).await;
                    false
                }
                _ => true,
            };
            if !open {
                break;
            }
        }
    });
    let received = futures_util::stream::unfold(received, |mut received| async move {
        received.recv().await.map(|text| (text, received))
    });

    let tokens = state.services.accounts.access_tokens().clone();
    // When the connection's token is refused from (Unix seconds; 0: no
    // token), the connection ends, as any request with it would be refused.
    let expires_at = Arc::new(AtomicI64::new(0));
    let expiry = expires_at.clone();
    // Whose connection it is (0: no one's): it ends as soon as that account
    // is erased, on whichever replica.
    let signed_in = Arc::new(AtomicI32::new(0));
    let owner = signed_in.clone();
    let erased = tokens.erased().clone();
    // Whether `connection_init` carried credentials that were refused.
    let refused = Arc::new(AtomicBool::new(false));
    let refusal = refused.clone();
    let executor = SocketExecutor::new(state.pipeline.clone());
    let pipeline = state.pipeline.clone();
    let client = auth::client_address(&req, &state.settings.http);
    let mut protocol_stream = Box::pin(
        WebSocket::new(executor.clone(), received, protocol).on_connection_init(
            move |payload| async move {
                let principal = match auth::init_credentials(&payload) {
                    Credentials::None => Principal::Anonymous,
                    Credentials::Bearer(token) => match tokens.verify_until(token) {
                        Some((principal, refused_from)) => {
                            expiry.store(refused_from, Ordering::Release);
                            if let Some(user) = principal.user_id() {
                                owner.store(user.0, Ordering::Release);
                            }
                            principal
                        }
                        None => {
                            refusal.store(true, Ordering::Release);
                            return Err(async_graphql::Error::new(
                                "Forbidden: the access token is invalid or expired",
                            ));
                        }
                    },
                    Credentials::ApiKey(_) | Credentials::Unreadable => {
                        refusal.store(true, Ordering::Release);
                        return Err(async_graphql::Error::new(
                            "Forbidden: `Authorization` must be `Bearer <access token>`",
                        ));
                    }
                };
                Ok(executor.sign_in(pipeline.caller(principal, client)))
            },
        ),
    );
    actix_web::rt::spawn(async move {
        let mut clock = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            let message = tokio::select! {
                message = protocol_stream.next() => message,
                _ = clock.tick() => {
                    let user = signed_in.load(Ordering::Acquire);
                    if user != 0 && erased.contains(UserId(user)) {
                        let _ = session
                            .close(Some(actix_ws::CloseReason {
                                code: actix_ws::CloseCode::Policy,
                                description: Some("the account was deleted".into()),
                            }))
                            .await;
                        return;
                    }
                    let exp = expires_at.load(Ordering::Acquire);
                    if exp != 0 && chrono::Utc::now().timestamp() >= exp {
                        let _ = session
                            .close(Some(actix_ws::CloseReason {
                                code: actix_ws::CloseCode::Other(FORBIDDEN),
                                description: Some("Forbidden: the access token expired".into()),
                            }))
                            .await;
                        return;
                    }
                    continue;
                }
            };
            let Some(message) = message else { break };
            let sent = match message {
                WsMessage::Text(text) => session.text(text).await,
                WsMessage::Close(code, reason) => {
                    // The protocol reader closes with 1002 when
                    // `connection_init` is refused; graphql-ws's client
                    // would give up on that code, and 4403 tells it to
                    // come back with a new token.
                    let code = if code == PROTOCOL_ERROR && refused.load(Ordering::Acquire) {
                        FORBIDDEN
                    } else {
                        code
                    };
                    let _ = session
                        .close(Some(actix_ws::CloseReason {
                            code: code.into(),
                            description: Some(reason),
                        }))
                        .await;
                    return;
                }
            };
            if sent.is_err() {
                return;
            }
        }
        let _ = session.close(None).await;
    });
    Ok(response)
}

/// graphql-ws's "Forbidden": the client reconnects with new credentials.
const FORBIDDEN: u16 = 4403;
/// RFC 6455's protocol error, which async-graphql's reader closes with.
const PROTOCOL_ERROR: u16 = 1002;
