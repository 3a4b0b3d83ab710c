// The languages Sekisho speaks. A person reads one (`Lang`: their console setting, the tenant's
// default); mail Sekisho writes to someone whose language it does not know carries both, Japanese
// first (`NoticeLanguage` 'both').
export type Lang = 'ja' | 'en';
export type NoticeLanguage = Lang | 'both';
