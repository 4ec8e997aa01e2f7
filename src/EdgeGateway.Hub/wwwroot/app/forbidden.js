// The 403 page (the hub serves it with status 403 for a page the user's role may not open).
import { t, applyI18n } from './i18n.js';
import { loadMe, renderHeader, homeOf } from './app.js';

applyI18n();
document.title = `${t('forbidden.title')} · ${t('app.name')}`;
try {
  const me = await loadMe();
  renderHeader(me, null);
  document.getElementById('home').href = homeOf(me);
} catch {
  renderHeader(null, null);
}
