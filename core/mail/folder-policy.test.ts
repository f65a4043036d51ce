import { describe, expect, it } from 'vitest';
import { type FolderInfo, foldersToSync, skipReason } from './folder-policy.js';

function folder(path: string, extra: Partial<FolderInfo> = {}): FolderInfo {
  const delimiter = extra.delimiter === undefined ? '/' : extra.delimiter;
  const name = delimiter ? (path.split(delimiter).pop() ?? path) : path;
  return { path, name, delimiter, flags: new Set(), subscribed: false, ...extra };
}

describe('folder policy', () => {
  it('skips drafts, trash and spam by SPECIAL-USE whatever their names', () => {
    expect(skipReason(folder('Mes brouillons', { specialUse: '\\Drafts' }))).toBe('drafts');
    expect(skipReason(folder('Papiers', { specialUse: '\\Trash' }))).toBe('trash');
    expect(skipReason(folder('Quarantaine', { flags: new Set(['\\Junk']) }))).toBe('junk');
  });

  it.each([
    ['Drafts', 'drafts'],
    ['Черновики', 'drafts'],
    ['Trash', 'trash'],
    ['Deleted Items', 'trash'],
    ['Удаленные', 'trash'],
    ['Удалённые', 'trash'],
    ['Корзина', 'trash'],
    ['Spam', 'junk'],
    ['Junk', 'junk'],
    ['Спам', 'junk'],
    ['Нежелательная почта', 'junk'],
    ['[Gmail]/Spam', 'junk'],
    ['[Gmail]/Trash', 'trash'],
    ['[Gmail]/Bin', 'trash'],
    ['[Gmail]/Drafts', 'drafts'],
    ['[Gmail]/Корзина', 'trash'],
    ['[Gmail]/Черновики', 'drafts'],
  ])('skips %s by its localized name when the server gives no SPECIAL-USE', (path, reason) => {
    expect(skipReason(folder(path))).toBe(reason);
  });

  it('reads Sent, archives, project folders and INBOX', () => {
    for (const path of ['INBOX', 'Sent', 'Отправленные', 'Archive', 'Проекты/Стройка', '[Gmail]/All Mail']) {
      expect(skipReason(folder(path))).toBeNull();
    }
    expect(skipReason(folder('Junk stuff archive', { specialUse: '\\Archive' }))).toBeNull();
  });

  it('does not mistake similar names for trash or spam', () => {
    for (const path of ['Spammers-report', 'Drafts of contracts', 'Binder', 'Корзина заказов/2024']) {
      expect(skipReason(folder(path))).toBeNull();
    }
  });

  it('skips folders nested inside a skipped one', () => {
    const all = [
      folder('Trash', { specialUse: '\\Trash' }),
      folder('Trash/Old'),
      folder('INBOX.Spam.x', { delimiter: '.' }),
    ];
    expect(skipReason(all[1] as FolderInfo, all)).toBe('trash');
  });

  it('takes the subscribed folders when any are subscribed, and INBOX always', () => {
    const all = [
      folder('INBOX'),
      folder('Sent', { subscribed: true, specialUse: '\\Sent' }),
      folder('Clients', { subscribed: true }),
      folder('Old stuff'),
      folder('Drafts', { subscribed: true }),
    ];
    expect(foldersToSync(all).map((f) => f.path)).toEqual(['INBOX', 'Sent', 'Clients']);
  });

  it('takes every folder but the skipped ones when the server subscribes none', () => {
    const all = [
      folder('INBOX'),
      folder('Sent'),
      folder('Clients'),
      folder('Корзина'),
      folder('[Gmail]', { flags: new Set(['\\Noselect']) }),
      folder('Спам'),
    ];
    expect(foldersToSync(all).map((f) => f.path)).toEqual(['INBOX', 'Sent', 'Clients']);
  });
});
