export interface SyncProgress {
  account: string;
  folder: string;
  /** Letters of this folder handled in this run so far, and how many this run has to handle. */
  done: number;
  total: number;
}

export interface SyncFolderResult {
  folder: string;
  added: number;
  seen: number;
  gone: number;
  flagsUpdated: number;
}

export interface SyncAccountResult {
  account: string;
  folders: SyncFolderResult[];
  added: number;
}
