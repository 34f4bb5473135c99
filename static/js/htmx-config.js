// The incident console answers an invalid or refused move with 400 / 409 and the form (or the
// reason) to show in place: swap those in, as htmx does for 2xx. Anything else that fails
// (403, 404, 5xx) leaves the page as it was.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "400", swap: true, error: false },
  { code: "409", swap: true, error: false },
  { code: "...", swap: false, error: true },
];
// The pages use no hx-on, hx-vars or js: values: refuse evaluating script from attributes, so
// no attribute that reached a page can run code through htmx.
htmx.config.allowEval = false;
htmx.config.allowScriptTags = false;
