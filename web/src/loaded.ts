// The data-loaded marker: <html data-loaded="true"> once every load the
// page started has finished and rendered (bench/ui-render.sh and the e2e
// test wait for it). Any new load (a navigation, a refresh, a filter)
// clears it until that load has rendered too.

let pending = 0;
let started = 0;
let gen = 0;

function clear() {
  delete document.documentElement.dataset.loaded;
}

/** pageChanged is called on every navigation: the new page has loaded nothing yet. */
export function pageChanged() {
  started = 0;
  gen++;
  clear();
}

/**
 * begin marks a load as started; the function it returns marks it done.
 * A load that does not count (the session check) delays the marker but
 * does not make a page loaded by itself.
 */
export function begin(counts = true): () => void {
  pending++;
  if (counts) started++;
  clear();
  let done = false;
  return () => {
    if (done) return;
    done = true;
    pending--;
    settle();
  };
}

// settle sets the marker once nothing is pending after the render that
// followed the last load (two frames: Preact renders, then runs the
// effects that may start the next loads).
// The performance mark "vigil-data-loaded" is when the last load's
// render was done (the first frame after it), for bench/ui-render.sh.
function settle() {
  const g = gen;
  requestAnimationFrame(() => {
    const at = performance.now();
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (g !== gen || pending !== 0 || started === 0 || document.documentElement.dataset.loaded) return;
        document.documentElement.dataset.loaded = 'true';
        performance.mark('vigil-data-loaded', { startTime: at });
      }, 0),
    );
  });
}
