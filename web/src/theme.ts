import { useEffect, useState } from 'preact/hooks';

// Theme changes (the toggle, or the system's preference) for what cannot
// follow CSS by itself: the charts draw on a canvas with colours read
// from the CSS custom properties.

const EVENT = 'vigil-theme';

export function themeChanged() {
  window.dispatchEvent(new Event(EVENT));
}

/** useThemeVersion changes whenever the theme does. */
export function useThemeVersion(): number {
  const [v, setV] = useState(0);
  useEffect(() => {
    const f = () => setV((x) => x + 1);
    const mq = matchMedia('(prefers-color-scheme: dark)');
    window.addEventListener(EVENT, f);
    mq.addEventListener('change', f);
    return () => {
      window.removeEventListener(EVENT, f);
      mq.removeEventListener('change', f);
    };
  }, []);
  return v;
}

/** cssVar reads a custom property of the document's current theme. */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
