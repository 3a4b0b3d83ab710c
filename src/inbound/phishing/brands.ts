// Well-known brands that phishing mail pretends to be, with the sender domains each really
// uses. Data, not code: the tenant admin extends it (TenantContext.brands). A name matches
// case-insensitively after NFKC folding (full-width ＡＭＡＺＯＮ is amazon); ASCII names match
// as whole words, Japanese names as substrings. A domain allows its subdomains too. Names that
// are also personal names (佐川, みずほ) are listed only in their company form (佐川急便, みずほ銀行).
import type { BrandEntry } from '../../model/verdict.ts';

export const BUILTIN_BRANDS: readonly BrandEntry[] = [
  {
    brand: 'Rakuten',
    names: ['楽天', 'rakuten', 'ラクテン'],
    domains: [
      'rakuten.co.jp',
      'rakuten.com',
      'rakuten.jp',
      'rakuten.ne.jp',
      'rakuten-card.co.jp',
      'rakuten-bank.co.jp',
      'rakuten-sec.co.jp',
      'rakuten-life.co.jp',
    ],
  },
  {
    brand: 'Amazon',
    names: ['amazon', 'アマゾン', 'amazon.co.jp', 'amazon.com', 'amazonプライム'],
    domains: ['amazon.co.jp', 'amazon.com', 'amazon.jp', 'amazon.de', 'amazon.co.uk', 'amazon.fr', 'amazonaws.com', 'amazonses.com'],
  },
  {
    brand: 'Yamato Transport',
    names: ['ヤマト運輸', 'クロネコヤマト', 'クロネコ', 'yamato transport', 'kuroneko'],
    domains: ['kuronekoyamato.co.jp', 'yamato-hd.co.jp'],
  },
  { brand: 'Sagawa Express', names: ['佐川急便', 'sagawa express', 'sagawa-exp'], domains: ['sagawa-exp.co.jp', 'sg-hldgs.co.jp'] },
  {
    brand: 'Japan Post',
    names: ['日本郵便', '郵便局', 'japan post', 'japanpost', 'ゆうパック'],
    domains: ['japanpost.jp', 'post.japanpost.jp'],
  },
  { brand: 'Japan Post Bank', names: ['ゆうちょ', 'jp bank', 'japan post bank'], domains: ['jp-bank.japanpost.jp', 'japanpost.jp'] },
  {
    brand: 'SMBC',
    names: ['三井住友銀行', '三井住友カード', '三井住友', 'smbc', 'vpass'],
    domains: ['smbc.co.jp', 'smbc-card.com', 'vpass.ne.jp', 'smbc-fg.co.jp'],
  },
  { brand: 'MUFG', names: ['三菱ufj', '三菱東京ufj', 'mufg'], domains: ['mufg.jp', 'bk.mufg.jp', 'cr.mufg.jp', 'mufgcard.com'] },
  {
    brand: 'Mizuho',
    names: ['みずほ銀行', 'みずほフィナンシャル', 'みずほダイレクト', 'mizuho bank'],
    domains: ['mizuhobank.co.jp', 'mizuho-fg.co.jp', 'mizuho-sc.com'],
  },
  { brand: 'Resona', names: ['りそな', 'resona'], domains: ['resonabank.co.jp', 'resona-gr.co.jp'] },
  { brand: 'JCB', names: ['jcb'], domains: ['jcb.co.jp', 'jcb.jp'] },
  {
    brand: 'AEON',
    names: ['イオンカード', 'イオン銀行', 'aeon card'],
    domains: ['aeon.co.jp', 'aeon.com', 'aeonbank.co.jp', 'aeoncredit.co.jp'],
  },
  { brand: 'Epos', names: ['エポスカード', 'epos card'], domains: ['eposcard.co.jp'] },
  { brand: 'ETC', names: ['etc利用照会', 'etcマイレージ', 'etc利用照会サービス'], domains: ['etc-meisai.jp', 'smile-etc.jp'] },
  { brand: 'National Tax Agency', names: ['国税庁', 'e-tax'], domains: ['nta.go.jp'] },
  { brand: 'TEPCO', names: ['東京電力', 'tepco'], domains: ['tepco.co.jp'] },
  { brand: 'Apple', names: ['apple', 'アップル', 'icloud', 'itunes', 'app store'], domains: ['apple.com', 'itunes.com'] },
  {
    brand: 'Microsoft',
    names: ['microsoft', 'マイクロソフト', 'office365', 'office 365', 'microsoft 365', 'outlook', 'onedrive', 'sharepoint'],
    domains: ['microsoft.com', 'microsoftonline.com', 'office.com', 'office365.com', 'sharepoint.com', 'onedrive.com'],
  },
  { brand: 'Google', names: ['google', 'グーグル', 'gmail'], domains: ['google.com', 'google.co.jp', 'youtube.com'] },
  { brand: 'PayPay', names: ['paypay', 'ペイペイ'], domains: ['paypay.ne.jp', 'paypay-card.co.jp', 'paypay-bank.co.jp'] },
  { brand: 'PayPal', names: ['paypal', 'ペイパル'], domains: ['paypal.com', 'paypal.jp', 'paypal.co.jp'] },
  { brand: 'Mercari', names: ['メルカリ', 'mercari', 'メルペイ'], domains: ['mercari.com', 'mercari.jp', 'merpay.com'] },
  { brand: 'NTT docomo', names: ['ドコモ', 'docomo', 'nttドコモ'], domains: ['docomo.ne.jp', 'nttdocomo.co.jp', 'docomo.co.jp'] },
  {
    brand: 'au / KDDI',
    // "au" alone as a whole word: the carrier's own mails are signed "au" and the fakes copy it.
    names: ['au', 'kddi', 'au pay', 'aupay', 'au id', 'auお客さまサポート', 'au お客さまサポート'],
    domains: ['kddi.com', 'au.com', 'auone.jp', 'ezweb.ne.jp', 'au-payment.com'],
  },
  // After docomo, so "NTTドコモ" is named docomo; "NTT" alone (NTTファイナンス, NTT東日本) is this one.
  {
    brand: 'NTT',
    names: ['ntt', 'nttファイナンス', 'ntt東日本', 'ntt西日本', 'nttコミュニケーションズ', 'ocn'],
    domains: ['ntt.com', 'ntt.co.jp', 'ntt.jp', 'ntt-east.co.jp', 'ntt-west.co.jp', 'ntt-finance.co.jp', 'ocn.ne.jp', 'ocn.ad.jp'],
  },
  { brand: 'SoftBank', names: ['softbank', 'ソフトバンク'], domains: ['softbank.jp', 'softbank.co.jp', 'softbank.ne.jp'] },
  { brand: 'Yahoo! JAPAN', names: ['yahoo! japan', 'yahoo japan', 'ヤフー'], domains: ['yahoo.co.jp', 'yahoo-net.jp'] },
  { brand: 'Netflix', names: ['netflix', 'ネットフリックス'], domains: ['netflix.com'] },
  { brand: 'DHL', names: ['dhl'], domains: ['dhl.com', 'dhl.co.jp', 'dhl.de'] },
  { brand: 'FedEx', names: ['fedex'], domains: ['fedex.com'] },
  { brand: 'DocuSign', names: ['docusign'], domains: ['docusign.net', 'docusign.com'] },
  { brand: 'Bank of America', names: ['bank of america', 'bankofamerica'], domains: ['bankofamerica.com', 'bofa.com'] },
  { brand: 'Chase', names: ['chase bank', 'jpmorgan chase'], domains: ['chase.com', 'jpmorganchase.com'] },
  { brand: 'Wells Fargo', names: ['wells fargo', 'wellsfargo'], domains: ['wellsfargo.com'] },
  { brand: 'HSBC', names: ['hsbc'], domains: ['hsbc.com', 'hsbc.co.jp', 'hsbc.co.uk'] },
  { brand: 'Citibank', names: ['citibank'], domains: ['citi.com', 'citibank.com', 'citibank.co.jp'] },
  { brand: 'Meta', names: ['facebook', 'instagram'], domains: ['facebook.com', 'facebookmail.com', 'instagram.com', 'meta.com'] },
];
