// Table shapes of the database-backed blob store (src/blob/db-blob-store.ts; created by the
// attachments migrations, src/store/migrations/attachments.ts, whose AttachmentTables include them).

/** Database-backed blob store: one row per blob, its bytes in ordered chunks. */
export type BlobTable = {
  key: string;
  blob_id: string;
  size: number;
  sha256: string;
  created_at: number;
};

export type BlobChunkTable = {
  blob_id: string;
  seq: number;
  data: Buffer;
};

export type BlobTables = {
  blobs: BlobTable;
  blob_chunks: BlobChunkTable;
};
