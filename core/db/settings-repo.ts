import { type Db, writeTransaction } from './database.js';

/** The organizer settings of seed 004: which parts of the journal are switched on. */
export interface FeatureSettings {
  /** The built-in mail client: receiving and sending letters. */
  mailClient: boolean;
  /** Outgoing letters may carry HTML; off, they go as plain text. */
  htmlLetters: boolean;
  /** Calls, SMS, meetings and planned interactions; off, the journal is "E-mail" and holds letters only. */
  otherKinds: boolean;
  /** The "reviewed" and "on control" flags and their lists. */
  reviewFlags: boolean;
}

// Interlog is an interaction journal first, so everything is on until the user switches it off.
export const DEFAULT_FEATURES: FeatureSettings = {
  mailClient: true,
  htmlLetters: true,
  otherKinds: true,
  reviewFlags: true,
};

const FEATURES_KEY = 'features';
const IMAGE_SENDERS_KEY = 'image-senders';
const THEME_KEY = 'theme';

export type Theme = 'system' | 'light' | 'dark';

/** Settings kept in the journal itself, so every process opening it (CLI, app, sync worker) sees the same. */
export class SettingsRepo {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      get: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
      put: db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      drop: db.prepare('DELETE FROM settings WHERE key = ?'),
    };
  }

  get<T>(key: string): T | undefined {
    const row = this.stmt.get.get(key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  put(key: string, value: unknown): void {
    writeTransaction(this.db, () => {
      if (value === undefined) this.stmt.drop.run(key);
      else this.stmt.put.run(key, JSON.stringify(value));
    });
  }

  /** Light or dark, or as the operating system says. */
  theme(): Theme {
    return this.get<Theme>(THEME_KEY) ?? 'system';
  }

  setTheme(theme: Theme): void {
    this.put(THEME_KEY, theme);
  }

  /** Senders whose letters show their remote images without asking, lower-case. */
  imageSenders(): Set<string> {
    return new Set(this.get<string[]>(IMAGE_SENDERS_KEY) ?? []);
  }

  /** Adds or removes a sender; read and written in one transaction, so two windows cannot lose each other's. */
  setImageSender(address: string, trusted: boolean): void {
    writeTransaction(this.db, () => {
      const senders = this.imageSenders();
      if (trusted) senders.add(address.toLowerCase());
      else senders.delete(address.toLowerCase());
      this.put(IMAGE_SENDERS_KEY, [...senders].sort());
    });
  }

  features(): FeatureSettings {
    return { ...DEFAULT_FEATURES, ...this.get<Partial<FeatureSettings>>(FEATURES_KEY) };
  }

  setFeatures(change: Partial<FeatureSettings>): FeatureSettings {
    const next = { ...this.features(), ...definedOnly(change) };
    this.put(FEATURES_KEY, next);
    return next;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
