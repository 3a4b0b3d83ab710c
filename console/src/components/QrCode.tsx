// A QR code drawn in the browser as SVG (the `qrcode` library's encoder; no image service and no
// canvas, so the secret it carries never leaves the page). Used for the otpauth:// URI of 2FA
// enrolment; the four-module quiet zone keeps phone cameras happy on any background.
import { create } from 'qrcode';

export function QrCode({ text, label, size = 200 }: { text: string; label: string; size?: number }) {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const n = modules.size;
  const quiet = 4;
  let d = '';
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) if (modules.get(y, x)) d += `M${x + quiet} ${y + quiet}h1v1h-1z`;
  }
  const full = n + 2 * quiet;
  return (
    <svg
      className="qr"
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${full} ${full}`}
      shapeRendering="crispEdges"
      data-testid="totp-qr"
    >
      <rect width={full} height={full} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
