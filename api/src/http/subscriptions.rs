//! GraphQL subscriptions over WebSocket (graphql-transport-ws) on
//! `/graphql`. The client authenticates with
//! `{"Authorization": "Bearer <access token>"}` as the `connection_init`
//! payload.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use async_graphql::Data;
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};
use std::sync::Arc;

use futures_util::StreamExt;

use super::AppState;
use crate::auth::Principal;
use crate::domain::UserId;
use crate::graphql::loaders::RequestLoader;

pub async fn subscriptions(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> actix_web::Result<HttpResponse> {
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
                actix_ws::Message::Close(_) => false,
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
    let services = state.services.clone();
    // When the connection's token expires (Unix seconds; 0: no token), the
    // connection ends, as any request with that token would be refused.
    let expires_at = Arc::new(AtomicI64::new(0));
    let expiry = expires_at.clone();
    // Whose connection it is (0: no one's): it ends as soon as that account
    // is erased, on whichever replica.
    let signed_in = Arc::new(AtomicI32::new(0));
    let owner = signed_in.clone();
    let erased = tokens.erased().clone();
    let mut protocol_stream = Box::pin(
        WebSocket::new(state.subscription_schema.clone(), received, protocol).on_connection_init(
            move |payload| async move {
                let verified = payload
                    .get("Authorization")
                    .or_else(|| payload.get("authorization"))
                    .and_then(|value| value.as_str())
                    .and_then(|value| value.strip_prefix("Bearer "))
                    .and_then(|token| tokens.verify_until(token.trim()));
                let principal = match verified {
                    Some((principal, exp)) => {
                        expiry.store(exp, Ordering::Release);
                        if let Some(user) = principal.user_id() {
                            owner.store(user.0, Ordering::Release);
                        }
                        principal
                    }
                    None => Principal::Anonymous,
                };
                let mut data = Data::default();
                data.insert(RequestLoader::for_request(services, principal.user_id()));
                data.insert(principal);
                Ok(data)
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
                                code: actix_ws::CloseCode::Policy,
                                description: Some("the access token expired".into()),
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
