/** Inline SVG icons (fonts lack some media glyphs; inline SVG needs nothing from the CSP). */
const common = { width: 18, height: 18, viewBox: '0 0 24 24', 'aria-hidden': true, focusable: 'false', fill: 'currentColor' } as const;

export const IconPlay = () => (
  <svg {...common}>
    <path d="M7 4.5v15l13-7.5z" />
  </svg>
);
export const IconPause = () => (
  <svg {...common}>
    <path d="M6 4h4.5v16H6zM13.5 4H18v16h-4.5z" />
  </svg>
);
export const IconPrev = () => (
  <svg {...common}>
    <path d="M5 5h2.5v14H5zM20 5v14L9 12z" />
  </svg>
);
export const IconNext = () => (
  <svg {...common}>
    <path d="M16.5 5H19v14h-2.5zM4 5v14l11-7z" />
  </svg>
);
