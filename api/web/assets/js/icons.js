// The player's icons, drawn as SVG (no icon font: every glyph renders the same
// everywhere, and nothing is fetched).

/** Icons as SVG paths (24×24), drawn in the button's text colour. */
const ICONS = {
  play: 'M7 4.5v15l12.5-7.5z',
  pause: 'M6 4.5h4.5v15H6zM13.5 4.5H18v15h-4.5z',
  previous: 'M5 5h2.5v14H5zM20 5v14L8.5 12z',
  next: 'M16.5 5H19v14h-2.5zM4 5v14l11.5-7z',
};

export function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'svg-icon');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.append(path);
  return svg;
}
