// Sign-in page: a plain form POST to /login (the hub answers 303 to returnUrl, or back here with ?error=).
import { t, applyI18n } from './i18n.js';
import { xsrfToken, languageSwitch } from './app.js';

applyI18n();
document.title = `${t('login.title')} · ${t('app.name')}`;
document.getElementById('lang').append(languageSwitch());

const query = new URLSearchParams(location.search);
const returnUrl = query.get('returnUrl') || '';
// Only a local path goes back into the form (the hub checks it too).
document.getElementById('returnUrl').value = returnUrl.startsWith('/') && !returnUrl.startsWith('//') ? returnUrl : '';

const error = query.get('error');
if (error) {
  const box = document.getElementById('error');
  box.textContent = t(`login.error.${error}`) === `login.error.${error}` ? t('login.error.1') : t(`login.error.${error}`);
  box.hidden = false;
}

const form = document.getElementById('login-form');
const username = document.getElementById('username');
const fillToken = () => { document.getElementById('token').value = xsrfToken(); };
fillToken();
// After a failed attempt the user name is typed again only if it was wrong.
if (error) username.value = sessionStorage.getItem('console.username') || '';
form.addEventListener('submit', () => {
  fillToken();
  sessionStorage.setItem('console.username', username.value);
});
(username.value ? document.getElementById('password') : username).focus();
