import { type ReactNode, useState } from 'react';
import type { InteractionRecord, MessageView } from '../../core/api.js';
import { visibleText } from '../../core/mail/visible-text.js';
import { saveFile } from '../api-client';
import { addressText, correspondent, fileSize, fullDate, listDate, shownTitle } from '../format';
import type { Lang, Translate } from '../i18n';
import { LETTER_SANDBOX, letterDocument } from '../letter-document';
import { api, useJournal } from '../store';
import { DirectionIcon, KindIcon, PaperclipIcon } from './Icons';

/** Reviewed, postponed, on control: the flags of the interaction in words. */
function flagWords(r: InteractionRecord, lang: Lang, t: Translate): string[] {
  const words: string[] = [];
  if (r.reviewed) words.push(t('reviewed'));
  else if (r.reviewAfter) words.push(t('postponedUntil', { time: listDate(r.reviewAfter, lang) }));
  if (r.controlClosedAt) words.push(t('controlClosed'));
  else if (r.onControl) {
    words.push(r.controlDue ? t('controlUntil', { time: listDate(r.controlDue, lang) }) : t('onControl'));
  }
  return words;
}

/** The letters of the chain, oldest first, indented by how deep each answer is; a click opens one. */
/** Two pressed-or-not buttons for two ways of showing the same thing (formatted or text, tree or conversation). */
function TwoWays({
  second,
  choose,
  labels,
}: {
  second: boolean;
  choose(second: boolean): void;
  labels: [string, string];
}) {
  return (
    <fieldset className="segmented">
      {labels.map((label, i) => (
        <button key={label} type="button" aria-pressed={second === (i === 1)} onClick={() => choose(i === 1)}>
          {label}
        </button>
      ))}
    </fieldset>
  );
}

/**
 * The chain of interactions the letter belongs to: as a tree of bases and answers, or as a conversation (each one's
 * opening words, oldest first). A click opens one.
 */
function Chain({ chain, current }: { chain: InteractionRecord[]; current: number }) {
  const select = useJournal((s) => s.select);
  const lang = useJournal((s) => s.lang);
  const t = useJournal((s) => s.t);
  // Kept in the store: the next letter opened shows its chain the same way.
  const asConversation = useJournal((s) => s.chainAsConversation);
  const setAsConversation = useJournal((s) => s.setChainAsConversation);
  if (chain.length < 2) return null;
  const depth = new Map<number, number>();
  for (const r of chain) depth.set(r.id, r.basisId === null ? 0 : (depth.get(r.basisId) ?? 0) + 1);
  const who = (r: InteractionRecord) => correspondent(r) || t('unknownSender');
  return (
    <nav className={`chain${asConversation ? ' conversation' : ''}`} aria-label={t('chain', { n: chain.length })}>
      <div className="chain-head">
        <h3>{t('chain', { n: chain.length })}</h3>
        <TwoWays second={asConversation} choose={setAsConversation} labels={[t('chainTree'), t('chainConversation')]} />
      </div>
      <ol>
        {chain.map((r) => (
          <li
            key={r.id}
            className={r.direction === 'out' ? 'mine' : undefined}
            style={asConversation ? undefined : { paddingLeft: `${Math.min(depth.get(r.id) ?? 0, 8) * 12}px` }}
          >
            <button
              type="button"
              className="chain-item"
              aria-current={r.id === current ? 'true' : undefined}
              onClick={() => select(r.id)}
            >
              <DirectionIcon direction={r.direction} t={t} />
              <span className="chain-date">{listDate(r.date, lang)}</span>
              <span className="chain-who">{who(r)}</span>
              {asConversation ? (
                <span className="chain-said">{visibleText(r.preview) || shownTitle(r) || t('noTitle')}</span>
              ) : (
                <>
                  <span className="chain-title">{shownTitle(r) || t('noTitle')}</span>
                  {r.subject ? <span className="chain-subject">{r.subject.name}</span> : null}
                </>
              )}
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}

function Headers({ view, lang, t }: { view: MessageView; lang: Lang; t: Translate }) {
  const setFilter = useJournal((s) => s.setFilter);
  const openContact = useJournal((s) => s.openContact);
  const r = view.interaction;
  const from = r.from;
  const rows: Array<[string, ReactNode]> = [];
  if (from) {
    rows.push([
      t('from'),
      <button
        key="from"
        type="button"
        className="link"
        title={t('openContact')}
        onClick={() => void openContact(from.address)}
      >
        {addressText(from)}
      </button>,
    ]);
  }
  if (r.to.length) rows.push([t('to'), r.to.map(addressText).join(', ')]);
  if (r.cc.length) rows.push([t('cc'), r.cc.map(addressText).join(', ')]);
  rows.push([t('date'), fullDate(r.date, lang)]);
  const subject = r.subject;
  if (subject) {
    rows.push([
      t('subject'),
      <button
        key="subject"
        type="button"
        className="link subject-link"
        title={t('openSubject')}
        onClick={() => setFilter({ subject: { id: subject.id, name: subject.name } })}
      >
        {subject.name}
      </button>,
    ]);
  }
  const flags = flagWords(r, lang, t);
  if (flags.length) rows.push([t('flags'), flags.join(' · ')]);
  if (r.folders.length) rows.push([t('folders'), r.folders.join(', ')]);
  return (
    <header className="letter-head">
      <h2 className="letter-title">
        <KindIcon kind={r.kind} t={t} />
        {shownTitle(r) || t('noTitle')}
      </h2>
      <dl>
        {rows.map(([name, value]) => (
          <div key={name} className="head-row">
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {r.attachments.length ? (
        <ul className="attachment-list" aria-label={t('attachments')}>
          {r.attachments.map((a, index) => (
            <li key={`${a.sha256}:${a.name}`}>
              <PaperclipIcon label={t('attachments')} />
              <span className="attachment-name">{visibleText(a.name)}</span>
              <span className="attachment-size">{fileSize(a.size, lang)}</span>
              <SaveAttachment interactionId={r.id} index={index} name={visibleText(a.name)} t={t} />
            </li>
          ))}
        </ul>
      ) : null}
      {r.parseError ? <p className="warning">{t('parseError', { message: r.parseError })}</p> : null}
    </header>
  );
}

/**
 * Saves one attachment under the name core returns with it (one path component, no device name, no invisible
 * characters): the name the letter gave is shown, never used as a path.
 */
function SaveAttachment({
  interactionId,
  index,
  name,
  t,
}: {
  interactionId: number;
  index: number;
  name: string;
  t: Translate;
}) {
  const notify = useJournal((s) => s.notify);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    try {
      saveFile(await api.getAttachment({ interactionId, index }));
    } catch (error) {
      notify({ tone: 'error', text: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      className="link attachment-save"
      aria-label={`${t('save')}: ${name}`}
      disabled={busy}
      onClick={() => void save()}
    >
      {t('save')}
    </button>
  );
}

/** The letter itself; keyed by interaction, so each letter opens in its formatted view. */
function Letter({
  view,
  chain,
  remoteImages,
}: {
  view: MessageView;
  chain: InteractionRecord[];
  remoteImages: boolean;
}) {
  const showImages = useJournal((s) => s.showImages);
  const trustImages = useJournal((s) => s.trustImages);
  const sender = view.interaction.direction === 'in' ? (view.interaction.from?.address ?? null) : null;
  const lang = useJournal((s) => s.lang);
  const t = useJournal((s) => s.t);
  const [asText, setAsText] = useState(false);
  const html = view.html !== null && !asText ? view.html : null;
  return (
    <section className="reading" aria-label={shownTitle(view.interaction)}>
      <Headers view={view} lang={lang} t={t} />
      <Chain chain={chain} current={view.interaction.id} />
      <div className="letter-tools">
        {view.html !== null ? (
          <TwoWays second={asText} choose={setAsText} labels={[t('viewFormatted'), t('viewText')]} />
        ) : null}
        {html !== null && view.blockedImages > 0 ? (
          <p className="blocked-images">
            {t('imagesBlocked', { n: view.blockedImages })}{' '}
            <button type="button" className="link" onClick={showImages}>
              {t('showImages')}
            </button>
            {sender ? (
              <>
                {' · '}
                <button type="button" className="link" onClick={() => void trustImages(sender, true)}>
                  {t('alwaysShowImagesFrom', { sender })}
                </button>
              </>
            ) : null}
          </p>
        ) : null}
        {html !== null && view.imagesFromSender && sender ? (
          <p className="images-trusted">
            {t('imagesAlwaysShown', { sender })}{' '}
            <button type="button" className="link" onClick={() => void trustImages(sender, false)}>
              {t('stopShowingImages')}
            </button>
          </p>
        ) : null}
      </div>
      {html !== null ? (
        <iframe
          className="letter-frame"
          title={t('letterFrame')}
          // No scripts, no same origin, no forms, no top navigation: the letter is inert, and a reader's click on
          // a link opens it outside the app, never in this frame.
          sandbox={LETTER_SANDBOX}
          referrerPolicy="no-referrer"
          srcDoc={letterDocument(html, { remoteImages: remoteImages || view.imagesFromSender })}
        />
      ) : (
        <pre className="letter-text">{view.text}</pre>
      )}
    </section>
  );
}

/** The selected interaction: its headers, then the HTML in a sandboxed frame or the plain text. */
export function ReadingPane() {
  const reading = useJournal((s) => s.reading);
  const t = useJournal((s) => s.t);
  if (!reading) return <section className="reading empty-reading">{t('nothingSelected')}</section>;
  if (reading.error) {
    return (
      <section className="reading empty-reading" role="alert">
        {reading.error}
      </section>
    );
  }
  if (!reading.view) return <section className="reading empty-reading">{t('loading')}</section>;
  return <Letter key={reading.id} view={reading.view} chain={reading.chain} remoteImages={reading.remoteImages} />;
}
