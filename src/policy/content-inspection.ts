// What reading the attachments' texts found (src/analysis/attachment-text.ts), as the policy's
// attachment-content conditions read it: detector hits and pattern names per file, never the text.
import type { DetectorHit } from './detectors.ts';
import type { PersonalDataCount } from './personal-data.ts';

/** What the content detectors and regexes found in one file's text (never the text itself). */
export interface InspectedText {
  /** the attachment's name, with the path inside its archive: "社員.zip/社員.csv" */
  file: string;
  /** payment card numbers, masked */
  cards: DetectorHit[];
  /** My Numbers, masked */
  myNumbers: DetectorHit[];
  /** counts when the text holds personal data in bulk, else null */
  personalData: PersonalDataCount | null;
  /** the attachmentText patterns (as written in the policy) found in the text */
  patterns: string[];
}

export interface ContentInspection {
  /** every file whose text was read, in order */
  texts: InspectedText[];
  /** archives (or members) that are password protected: their contents could not be read */
  encryptedArchives: string[];
  /** why some content was not read (budget, depth, a broken file), or null when all was */
  incomplete: string | null;
}
