// HTML of the recipient's download page /d/TOKEN, Japanese first, then English, readable on a
// phone (one column, large touch targets, no scripts). Everything that came from a sender (file
// names) is HTML-escaped; times are in the sending tenant's time zone; the page itself never changes state on GET — buttons POST.
import { formatSize } from '../mime/notice-text.ts';
import { formatDate } from '../util/zoned-time.ts';
import { escapeHtml } from '../util/escape-html.ts';

export interface PageFile {
  index: number;
  filename: string;
  size: number;
  state: 'available' | 'expired' | 'withdrawn';
}

export type PageView =
  | { kind: 'files'; base: string; files: PageFile[]; expiresAt: Date; remaining: number | null; timeZone: string }
  | { kind: 'passcode'; base: string; sent: boolean; error: string | null; canSend: boolean }
  | { kind: 'expired' }
  | { kind: 'withdrawn' }
  | { kind: 'limit' }
  | { kind: 'invalid' }
  | { kind: 'throttled' };

const STYLE =
  `body{font-family:-apple-system,"Hiragino Sans","Noto Sans JP",Meiryo,sans-serif;margin:0;padding:16px;` +
  `max-width:640px;margin:auto;line-height:1.6;color:#222}
h1{font-size:1.3em}ul{list-style:none;padding:0}li{border:1px solid #ccc;border-radius:8px;padding:12px;margin:8px 0;word-break:break-all}
a.btn,button{display:inline-block;font-size:1em;padding:12px 18px;margin:6px 0;border-radius:8px;border:1px solid ` +
  `#1a5fb4;background:#1a5fb4;color:#fff;text-decoration:none;cursor:pointer}
input{font-size:1.4em;padding:8px;width:10em;letter-spacing:.2em}.en{color:#555}.err{color:#b00020}.muted{color:#888}`;

function layout(title: string, body: string): string {
  return (
    `<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,` +
    `initial-scale=1"><meta name="robots" content="noindex,nofollow"><title>${escapeHtml(title)}</title>` +
    `<style>${STYLE}</style></head><body>${body}</body></html>`
  );
}

function message(ja: string, en: string): string {
  return layout('Sekisho', `<h1>${escapeHtml(ja)}</h1><p class="en">${escapeHtml(en)}</p>`);
}

export function renderPage(view: PageView): string {
  switch (view.kind) {
    case 'invalid':
      return message('このダウンロードURLは無効です。', 'This download link is not valid.');
    case 'throttled':
      return message('アクセスが多すぎます。しばらくしてからお試しください。', 'Too many attempts. Please try again later.');
    case 'expired':
      return message(
        'ダウンロードの有効期限が切れました（期限切れ）。送信者にお問い合わせください。',
        'This download has expired. Please contact the sender.',
      );
    case 'withdrawn':
      return message('送信者がファイルを削除しました（取り下げ）。', 'The sender has withdrawn these files.');
    case 'limit':
      return message(
        'ダウンロード回数の上限に達しました。送信者にお問い合わせください。',
        'The maximum number of downloads has been reached. Please contact the sender.',
      );
    case 'passcode':
      return layout(
        '確認コード / Passcode',
        `<h1>確認コードの入力 <span class="en">/ Passcode</span></h1>` +
          `<p>ダウンロードには確認コードが必要です。下のボタンを押すと、このメールの宛先アドレスに確認コードをお送りします。</p>` +
          `<p class="en">A one-time passcode is required. Press the button to have it sent to the address this message was sent to.</p>` +
          (view.canSend
            ? `<form method="post" action="${escapeHtml(view.base)}/code"><button type="submit">確認コードを送信 / Send me a code</button></form>`
            : `<p class="muted">確認コードの送信回数の上限に達しました。/ No more codes can be sent for this link.</p>`) +
          (view.sent
            ? `<p>確認コードを送信しました。メールをご確認ください。<br><span class="en">The code has been sent. Please check your mail.</span></p>`
            : '') +
          (view.error ? `<p class="err">${escapeHtml(view.error)}</p>` : '') +
          `<form method="post" action="${escapeHtml(view.base)}/verify"><label>確認コード / Code<br><input name="code" ` +
          `inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6,8}" required></label><br><button type="submit">確認 / ` +
          `Verify</button></form>`,
      );
    case 'files': {
      const items = view.files
        .map((f) => {
          const name = escapeHtml(f.filename);
          const size = escapeHtml(formatSize(f.size));
          if (f.state === 'withdrawn') return `<li><span class="muted">${name} (${size}) — 取り下げ / withdrawn</span></li>`;
          if (f.state === 'expired') return `<li><span class="muted">${name} (${size}) — 期限切れ / expired</span></li>`;
          return (
            `<li>${name} <span class="muted">(${size})</span><br><a class="btn" ` +
            `href="${escapeHtml(view.base)}/f/${f.index}" download>ダウンロード / Download</a></li>`
          );
        })
        .join('');
      const available = view.files.filter((f) => f.state === 'available').length;
      return layout(
        'ダウンロード / Download',
        `<h1>添付ファイルのダウンロード <span class="en">/ Download attachments</span></h1>` +
          `<p>有効期限: ${escapeHtml(formatDate('ja', view.expiresAt, view.timeZone))} まで<br><span class="en">Available ` +
          `until: ${escapeHtml(formatDate('en', view.expiresAt, view.timeZone))}</span></p>` +
          (view.remaining !== null
            ? `<p>残りダウンロード回数: ${view.remaining} <span class="en">/ downloads left: ${view.remaining}</span></p>`
            : '') +
          `<ul>${items}</ul>` +
          (available > 1
            ? `<p><a class="btn" href="${escapeHtml(view.base)}/all.zip" download>すべてZIPでダウンロード / Download all (ZIP)</a></p>`
            : ''),
      );
    }
  }
}
