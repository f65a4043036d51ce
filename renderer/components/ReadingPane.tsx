import { useState } from 'react';
import type { MessageView } from '../../core/api.js';
import { addressText, fileSize, fullDate } from '../format';
import type { Lang, Translate } from '../i18n';
import { letterDocument } from '../letter-document';
import { useJournal } from '../store';
import { KindIcon, PaperclipIcon } from './Icons';

function Headers({ view, lang, t }: { view: MessageView; lang: Lang; t: Translate }) {
  const r = view.interaction;
  const rows: Array<[string, string]> = [];
  if (r.from) rows.push([t('from'), addressText(r.from)]);
  if (r.to.length) rows.push([t('to'), r.to.map(addressText).join(', ')]);
  if (r.cc.length) rows.push([t('cc'), r.cc.map(addressText).join(', ')]);
  rows.push([t('date'), fullDate(r.date, lang)]);
  if (r.subject) rows.push([t('subject'), r.subject.name]);
  if (r.folders.length) rows.push([t('folders'), r.folders.join(', ')]);
  return (
    <header className="letter-head">
      <h2 className="letter-title">
        <KindIcon kind={r.kind} t={t} />
        {r.title || t('noTitle')}
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
          {r.attachments.map((a) => (
            <li key={`${a.sha256}:${a.name}`}>
              <PaperclipIcon label={t('attachments')} />
              <span className="attachment-name">{a.name}</span>
              <span className="attachment-size">{fileSize(a.size, lang)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {r.parseError ? <p className="warning">{t('parseError', { message: r.parseError })}</p> : null}
    </header>
  );
}

/** The letter itself; keyed by interaction, so each letter opens in its formatted view. */
function Letter({ view, remoteImages }: { view: MessageView; remoteImages: boolean }) {
  const showImages = useJournal((s) => s.showImages);
  const lang = useJournal((s) => s.lang);
  const t = useJournal((s) => s.t);
  const [asText, setAsText] = useState(false);
  const html = view.html !== null && !asText ? view.html : null;
  return (
    <section className="reading" aria-label={view.interaction.title}>
      <Headers view={view} lang={lang} t={t} />
      <div className="letter-tools">
        {view.html !== null ? (
          <fieldset className="segmented">
            <button type="button" aria-pressed={!asText} onClick={() => setAsText(false)}>
              {t('viewFormatted')}
            </button>
            <button type="button" aria-pressed={asText} onClick={() => setAsText(true)}>
              {t('viewText')}
            </button>
          </fieldset>
        ) : null}
        {html !== null && view.blockedImages > 0 ? (
          <p className="blocked-images">
            {t('imagesBlocked', { n: view.blockedImages })}{' '}
            <button type="button" className="link" onClick={showImages}>
              {t('showImages')}
            </button>
          </p>
        ) : null}
      </div>
      {html !== null ? (
        <iframe
          className="letter-frame"
          title={t('letterFrame')}
          // No allow-scripts, no allow-same-origin, no popups, no forms: the letter is inert.
          sandbox=""
          referrerPolicy="no-referrer"
          srcDoc={letterDocument(html, { remoteImages })}
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
  return <Letter key={reading.id} view={reading.view} remoteImages={reading.remoteImages} />;
}
