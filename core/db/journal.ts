import { AccountsRepo } from './accounts-repo.js';
import { BlobStore } from './blob-store.js';
import { ChainsRepo } from './chains-repo.js';
import { ContactsRepo } from './contacts-repo.js';
import { type Db, type OpenOptions, openDatabase } from './database.js';
import { DeletionRepo } from './deletion-repo.js';
import { DraftsRepo } from './drafts-repo.js';
import { FlagsRepo } from './flags-repo.js';
import { IdentitiesRepo } from './identities-repo.js';
import { IndexRepo } from './index-repo.js';
import { InteractionsRepo } from './interactions-repo.js';
import { KindsRepo } from './kinds-repo.js';
import { OutboxRepo } from './outbox-repo.js';
import { RulesRepo } from './rules-repo.js';
import { SettingsRepo } from './settings-repo.js';
import { SubjectsRepo } from './subjects-repo.js';
import { SyncRepo } from './sync-repo.js';

/** One open journal file: its database connection, blob store and repositories. */
export class Journal {
  readonly accounts: AccountsRepo;
  readonly blobs: BlobStore;
  readonly sync: SyncRepo;
  readonly interactions: InteractionsRepo;
  readonly index: IndexRepo;
  readonly chains: ChainsRepo;
  readonly contacts: ContactsRepo;
  readonly subjects: SubjectsRepo;
  readonly rules: RulesRepo;
  readonly identities: IdentitiesRepo;
  readonly outbox: OutboxRepo;
  readonly kinds: KindsRepo;
  readonly flags: FlagsRepo;
  readonly settings: SettingsRepo;
  readonly deletion: DeletionRepo;
  readonly drafts: DraftsRepo;

  private constructor(
    readonly file: string,
    readonly db: Db,
  ) {
    this.accounts = new AccountsRepo(db);
    this.blobs = new BlobStore(db, `${file}.blobs`);
    this.chains = new ChainsRepo(db);
    this.contacts = new ContactsRepo(db);
    this.subjects = new SubjectsRepo(db);
    this.sync = new SyncRepo(db, this.blobs, this.chains);
    this.interactions = new InteractionsRepo(db);
    this.rules = new RulesRepo(db);
    this.identities = new IdentitiesRepo(db);
    this.outbox = new OutboxRepo(db, this.sync);
    this.index = new IndexRepo(db, this.blobs, this.rules, this.contacts, this.chains);
    this.kinds = new KindsRepo(db, this.chains, this.contacts);
    this.flags = new FlagsRepo(db);
    this.settings = new SettingsRepo(db);
    this.deletion = new DeletionRepo(db, this.chains);
    this.drafts = new DraftsRepo(db);
  }

  static open(file: string, options?: OpenOptions): Journal {
    return new Journal(file, openDatabase(file, options));
  }

  close(): void {
    this.blobs.close();
    if (this.db.open) this.db.close();
  }
}
