// CTI screen pops: while this page is open, a phone system's POST /v3.1/CTI/ScreenPop for this
// user opens the record in a new tab. The browser reconnects by itself if the stream drops.
(function () {
  "use strict";
  if (!window.EventSource) return;
  var events = new EventSource("/events");
  events.addEventListener("ready", function () {
    document.documentElement.dataset.ctiReady = "true";
  });
  events.addEventListener("pop", function (event) {
    var path = JSON.parse(event.data).path;
    // A path on this site only (the page's own server, whichever process took the API call).
    if (path.charAt(0) === "/" && path.charAt(1) !== "/") {
      window.open(path, "_blank");
    }
  });
  events.addEventListener("error", function () {
    delete document.documentElement.dataset.ctiReady;
  });
})();
