// Long operations (imports, exports, retention runs): once a form marked data-long is sent,
// its button is disabled and a status message says the work is in progress, so that nobody
// sends it twice or thinks it failed. Pages work without this script.
document.addEventListener('submit', function (event) {
  var form = event.target;
  if (!form.hasAttribute('data-long')) return;
  var button = form.querySelector('button[type=submit], button:not([type])');
  if (button) button.disabled = true;
  var status = form.querySelector('.progress');
  if (status) {
    status.hidden = false;
    status.textContent = status.getAttribute('data-text');
  }
});
