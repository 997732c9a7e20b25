//! The pipeline as the subscription socket's executor: every document a
//! graphql-transport-ws client sends (subscriptions, and queries) is
//! resolved, admitted and given its codes exactly as an HTTP request's.

use std::sync::{Arc, OnceLock};

use async_graphql::{Data, Executor, Request, Response, ServerError};
use futures_util::stream::{self, BoxStream, StreamExt};

use super::{Caller, Incoming, Pipeline, Refusal, Transport};
use crate::error::ApiError;
use crate::graphql::server_error;

/// One socket's executor. Its caller is known once `connection_init` has
/// been accepted (`sign_in`); before that async-graphql runs nothing.
#[derive(Clone)]
pub struct SocketExecutor {
    pipeline: Arc<Pipeline>,
    caller: Arc<OnceLock<Caller>>,
}

impl SocketExecutor {
    pub fn new(pipeline: Arc<Pipeline>) -> Self {
        Self {
            pipeline,
            caller: Arc::default(),
        }
    }

    /// Records who the socket belongs to; the data the resolvers read
    /// (principal and loaders) for the connection.
    pub fn sign_in(&self, caller: Caller) -> Data {
        let mut data = Data::default();
        data.insert(caller.loaders.clone());
        data.insert(caller.principal.clone());
        let _ = self.caller.set(caller);
        data
    }

    /// The request as the pipeline admits it, or why it refuses it.
    async fn admitted(&self, request: Request) -> Result<super::Admitted, ApiError> {
        let caller = self.caller.get().ok_or(ApiError::Unauthenticated)?;
        let request = self.pipeline.resolve(caller, incoming(request)?).await?;
        let mut admitted = self
            .pipeline
            .admit(caller, request, Transport::Socket)
            .await;
        match admitted.refusal.take() {
            Some(Refusal::Error(err)) => Err(err),
            Some(Refusal::MutationOverGet) => {
                Err(ApiError::bad_input("mutations are only accepted over POST"))
            }
            None => Ok(admitted),
        }
    }
}

impl Executor for SocketExecutor {
    async fn execute(&self, request: Request) -> Response {
        match self.admitted(request).await {
            Ok(admitted) => match self.caller.get() {
                Some(caller) => self.pipeline.execute(caller, admitted).await.response,
                None => self.pipeline.refusal(ApiError::Unauthenticated),
            },
            Err(err) => self.pipeline.refusal(err),
        }
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let this = self.clone();
        stream::once(async move {
            match this.admitted(request).await {
                Ok(admitted) => this.pipeline.stream(admitted, session_data),
                Err(err) => {
                    let refusal = this.pipeline.refusal(err);
                    stream::once(async move { refusal }).boxed()
                }
            }
        })
        .flatten()
        .boxed()
    }
}

/// The socket's `subscribe` payload as a request the pipeline resolves.
fn incoming(request: Request) -> Result<Incoming, ApiError> {
    let persisted_hash = match request.extensions.get("persistedQuery") {
        None => None,
        Some(persisted) => Some(super::persisted_hash(
            &persisted
                .clone()
                .into_json()
                .map_err(|_| ApiError::bad_input("`extensions.persistedQuery` is not JSON"))?,
        )?),
    };
    Ok(Incoming {
        query: Some(request.query).filter(|query| !query.is_empty()),
        operation_name: request.operation_name,
        variables: request.variables,
        persisted_hash,
        document_id: None,
    })
}

impl Pipeline {
    /// A response that is only the refusal.
    pub(super) fn refusal(&self, err: ApiError) -> Response {
        let errors: Vec<ServerError> = vec![server_error(err)];
        Response::from_errors(errors)
    }

    /// Runs an admitted subscription (or query) on a socket's session.
    fn stream(
        self: &Arc<Self>,
        admitted: super::Admitted,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let this = self.clone();
        let prepared = admitted.prepared.clone();
        let name = admitted.request.operation_name.clone();
        self.schema
            .execute_stream_with_session_data(admitted.parsed(), session_data.unwrap_or_default())
            .map(move |mut response| {
                this.finish(&mut response, prepared.as_deref(), name.as_deref());
                response
            })
            .boxed()
    }
}
