// The station's utils.js: a few helpers and the global showNotification the app calls.
class Utils {
  static formatDuration(seconds) {
    const total = Math.max(0, Math.round(Number(seconds) || 0));
    return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
  }

  static escapeHtml(text) {
    const div = document.createElement('div');
    div.textContent = text == null ? '' : String(text);
    return div.innerHTML;
  }
}

function showNotification(message, type = 'info') {
  const note = document.createElement('div');
  note.className = `notification ${type}`;
  note.dataset.testid = 'notification';
  note.dataset.type = type;
  note.textContent = message;
  document.getElementById('notifications').appendChild(note);
  setTimeout(() => note.remove(), 8000);
}
