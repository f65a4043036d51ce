import type { AccountCheck } from '../../core/api.js';
import { isMessageKey } from '../i18n';
import { useJournal } from '../store';

/** The catalogue's words for a key, else the core's English (for what the catalogue does not know yet). */
function useWords(): (key: string, english: string) => string {
  const t = useJournal((s) => s.t);
  const lang = useJournal((s) => s.lang);
  return (key, english) => (lang !== 'en' && isMessageKey(key) ? t(key) : english);
}

/** The steps of an account check: what passed, what failed with the server's own words and a hint. */
export function CheckReport({ check }: { check: AccountCheck }) {
  const t = useJournal((s) => s.t);
  const words = useWords();
  return (
    <ol className="check-steps">
      {check.steps.map((step) => (
        <li key={step.step} className={step.skipped ? 'skipped' : step.ok ? 'ok' : 'failed'} data-step={step.step}>
          <div className="check-head">
            {/* A step with nothing to check (no outgoing server) passed, but shows as not done rather than as proven. */}
            <span aria-hidden="true">{step.skipped ? '–' : step.ok ? '✓' : '✗'}</span>
            <strong>{t(`check_${step.step}`)}</strong>
            {step.server ? <span className="muted">{step.server}</span> : null}
          </div>
          {step.skipped ? <p className="muted">{step.skipped}</p> : null}
          {step.tried?.length ? (
            <div className="check-tried">
              <p className="muted">{words('checkTried', 'Tried first, and given up for a fault of the server:')}</p>
              {step.tried.map((tried) => (
                <p key={tried.server}>
                  <span className="muted">{tried.server}</span>: {tried.error.message}
                </p>
              ))}
            </div>
          ) : null}
          {step.error ? (
            <div className="check-error" role="alert">
              <p>{step.error.message}</p>
              {step.error.serverSaid ? (
                <p>
                  {t('serverSaid')} <q className="server-said">{step.error.serverSaid}</q>
                </p>
              ) : null}
              <p className="advice">{words(`hint_${step.error.hint}`, step.error.advice)}</p>
            </div>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
