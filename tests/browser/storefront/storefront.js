// What a storefront on another origin does with Cadenza's API: a query with
// a bearer token, a live subscription (graphql-ws), a ranged read of a
// stream and an audio element that plays it in CORS mode. Each outcome is a
// string: the data seen, or "blocked: …".
(async () => {
  const params = new URLSearchParams(location.search);
  const api = params.get("api");
  const token = params.get("token");
  const stream = params.get("stream");
  const graphql = (query, variables) =>
    fetch(`${api}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  const result = {};
  try {
    const body = await (await graphql("{ viewer { user { email } } }")).json();
    result.fetch = body.data?.viewer?.user?.email ?? JSON.stringify(body);
  } catch (error) {
    result.fetch = `blocked: ${error}`;
  }
  result.ws = await new Promise((resolve) => {
    const client = graphqlWs.createClient({
      url: `${api.replace(/^http/, "ws")}/graphql`,
      connectionParams: { Authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    let pulse;
    const timer = setTimeout(() => {
      clearInterval(pulse);
      resolve("no event");
    }, 8000);
    client.subscribe(
      { query: "subscription { playback { deviceId } }" },
      {
        next: (value) => {
          clearTimeout(timer);
          clearInterval(pulse);
          resolve(value.data?.playback?.deviceId ?? JSON.stringify(value));
          client.dispose();
        },
        error: (error) => {
          clearTimeout(timer);
          clearInterval(pulse);
          resolve(`blocked: ${error?.code ?? error}`);
        },
        complete: () => {},
      },
    );
    // "connected" comes before the server has taken the subscription on:
    // the change is sent again until an event arrives, or one sent in
    // between could pass unseen.
    const change = () =>
      graphql(
        "mutation($i: PlaybackInput!) { updatePlayback(input: $i) { deviceId } }",
        { i: { deviceId: "storefront", positionMs: 0, playing: false } },
      ).catch(() => {});
    client.on("connected", () => {
      change();
      pulse = setInterval(change, 400);
    });
  });
  try {
    const response = await fetch(stream, { headers: { Range: "bytes=0-99" } });
    const bytes = (await response.arrayBuffer()).byteLength;
    result.stream = `${response.status} ${bytes} ${response.headers.get("content-range")}`;
  } catch (error) {
    result.stream = `blocked: ${error}`;
  }
  result.audio = await new Promise((resolve) => {
    const audio = new Audio();
    audio.crossOrigin = "anonymous";
    audio.muted = true;
    audio.addEventListener("playing", () => resolve("playing"));
    audio.addEventListener("error", () => resolve(`blocked: media error ${audio.error?.code}`));
    setTimeout(() => resolve("timeout"), 8000);
    audio.src = stream;
    audio.play().catch(() => {});
  });
  window.__result = result;
})();
