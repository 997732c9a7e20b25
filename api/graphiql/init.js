// Starts GraphiQL against this server's /graphql, with subscriptions over
// the same origin's WebSocket. A separate file, because the page's
// Content-Security-Policy allows no inline script.
(function () {
  'use strict';
  var scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({
    url: window.location.origin + '/graphql',
    subscriptionUrl: scheme + '//' + window.location.host + '/graphql',
  });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher }));
})();
