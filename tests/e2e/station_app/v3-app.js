// SaintEspritV3 as the station's v3-app.js behaves: the storage is created and initialised
// after sign-in, every list is drawn from `storage.load()` when its view is opened, an editor
// edits the very object load() returned, and every write is awaited and then followed by a
// re-read of the list. It defines no onDatabaseUpdate and listens to no storage event: it is
// the platform's part to keep its screens live and settle conflicts.
class SaintEspritV3 {
  constructor() {
    this.storage = null;
    this.durationManager = null;
    this.currentView = 'dashboard';
    this.currentNews = null;
    this.currentAnimation = null;
    this.currentConductor = null;
    this.currentModal = null;
    this.currentJournal = null;
    this.allNews = [];
    this.currentAudio = null;
    this.multitrackEditor = null;
    this.init(); // not awaited: window.app exists before the storage is initialised
  }

  async init() {
    await window.cognitoAuth.waitForAuth();
    this.updateUserDisplay();
    await this.initStorage();
    this.setupNavigation();
    this.updateDashboard();
    this.updateDate();
  }

  async initStorage() {
    try {
      if (typeof StorageDynamoDB !== 'undefined') {
        this.storage = new StorageDynamoDB();
        await this.storage.init();
      }
      this.durationManager = new NewsDurationManager();
    } catch (error) {
      console.error('Erreur initialisation stockage', error);
    }
  }

  userName() {
    return localStorage.getItem('saint-esprit-user-fullname') || localStorage.getItem('saint-esprit-user-name') || 'Anonyme';
  }

  updateUserDisplay() {
    document.getElementById('user-display').textContent = this.userName();
  }

  updateDate() {
    document.getElementById('current-date').textContent = new Date().toLocaleDateString('fr-FR');
  }

  setupNavigation() {
    document.querySelectorAll('.nav-btn').forEach((button) => { button.disabled = false; });
  }

  switchView(view) {
    this.currentView = view;
    document.querySelectorAll('.view').forEach((section) => section.classList.toggle('active', section.id === `${view}-view`));
    document.querySelectorAll('.nav-btn').forEach((button) => button.classList.toggle('active', button.dataset.view === view));
    switch (view) {
      case 'news': return this.loadNews();
      case 'archives': return this.loadArchives();
      case 'animation': return this.loadAnimations();
      case 'conductor': return this.loadConductors();
      case 'blocks': return this.loadJournals();
      case 'multitrack': return this.initMultitrackEditor();
      default: return undefined; // the dashboard is drawn at boot only
    }
  }

  // ---- dashboard -------------------------------------------------------------------------

  async updateDashboard() {
    if (!this.storage) return;
    const data = await this.storage.load();
    document.getElementById('stat-news').textContent = data.news.filter((n) => n.status !== 'archived').length;
    document.getElementById('stat-animations').textContent = data.animations.filter((a) => a.status !== 'archived').length;
    document.getElementById('stat-conductors').textContent = data.conductors.length;
    document.getElementById('stat-journals').textContent = data.journals.length;
  }

  // ---- lists -----------------------------------------------------------------------------

  row(testId, item, cells, actions) {
    const tr = document.createElement('tr');
    tr.dataset.testid = testId;
    tr.dataset.id = item.id;
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text == null ? '' : text;
      tr.appendChild(td);
    }
    tr.firstChild.dataset.testid = 'row-title';
    const td = document.createElement('td');
    for (const [label, testid, handler] of actions) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = label;
      button.dataset.testid = testid;
      button.addEventListener('click', handler);
      td.appendChild(button);
    }
    tr.appendChild(td);
    return tr;
  }

  async loadNews() {
    if (!this.storage) return;
    const data = await this.storage.load();
    this.allNews = [
      ...data.news.filter((n) => n.status !== 'archived').map((n) => ({ ...n, itemType: 'news' })),
      ...data.animations.filter((a) => a.status !== 'archived').map((a) => ({ ...a, itemType: 'animation' })),
    ];
    this.displayNewsList();
  }

  displayNewsList() {
    const body = document.getElementById('news-table-body');
    body.replaceChildren(...this.allNews.map((item) => this.createNewsRow(item)));
  }

  createNewsRow(item) {
    const seconds = item.audioDuration || (this.durationManager ? this.durationManager.totalSeconds(item) : 0);
    const actions = item.itemType === 'animation'
      ? [['Modifier', 'edit', () => { this.switchView('animation'); this.editAnimation(item.id); }]]
      : [
          ['Modifier', 'edit', () => this.editNews(item.id)],
          ['Dupliquer', 'duplicate', () => this.duplicateNews(item.id)],
          ['Supprimer', 'delete', () => this.deleteNews(item.id)],
        ];
    if (item.audioUrl) {
      actions.push(['Écouter', 'play', () => this.playAudio(item.audioUrl)]);
      actions.push(['Télécharger', 'download', () => this.downloadAudio(item.audioUrl)]);
    }
    const tr = this.row('news-row', item, [item.title, item.status, Utils.formatDuration(seconds), item.author], actions);
    tr.dataset.type = item.itemType;
    return tr;
  }

  async loadArchives() {
    if (!this.storage) return;
    const data = await this.storage.load();
    const archived = [
      ...data.news.filter((n) => n.status === 'archived').map((n) => ({ ...n, itemType: 'news' })),
      ...data.animations.filter((a) => a.status === 'archived').map((a) => ({ ...a, itemType: 'animation' })),
    ];
    document.getElementById('archives-table-body').replaceChildren(...archived.map((item) =>
      this.row('archive-row', item, [item.title, item.itemType], [
        ['Restaurer', 'restore', () => this.restoreArchive(item.id, item.itemType)],
        ['Supprimer définitivement', 'delete-forever', () => this.deleteForever(item.id, item.itemType)],
      ])));
  }

  async restoreArchive(id, itemType) {
    const data = await this.storage.load();
    const item = (itemType === 'animation' ? data.animations : data.news).find((i) => i.id === id);
    if (!item) return;
    item.status = 'draft';
    item.updatedAt = Date.now();
    try {
      await this.storage.saveItem(itemType === 'animation' ? 'animation' : 'news', item);
      showNotification('Élément restauré', 'success');
    } catch (error) {
      alert('Erreur lors de la restauration : ' + error.message);
    }
    await this.loadArchives();
  }

  /** "Supprimer définitivement": the loaded data minus the item, handed to save(). */
  async deleteForever(id, itemType) {
    if (!confirm('Supprimer définitivement cet élément ?')) return;
    const data = await this.storage.load();
    const list = itemType === 'animation' ? data.animations : data.news;
    const index = list.findIndex((i) => i.id === id);
    if (index === -1) return;
    list.splice(index, 1);
    await this.storage.save(data);
    showNotification('Élément supprimé définitivement', 'success');
    await this.loadArchives();
  }

  // ---- news ------------------------------------------------------------------------------

  createNews() {
    const now = Date.now();
    this.currentNews = {
      id: `news-${now}`, title: '', content: '', status: 'draft', category: 'local', author: this.userName(),
      createdAt: now, updatedAt: now, duration: '0:30', lancement: '', pied: '',
    };
    this.showNewsEditor();
  }

  async editNews(id) {
    const data = await this.storage.load();
    this.currentNews = data.news.find((n) => n.id === id); // the cached object itself
    if (this.currentNews) this.showNewsEditor();
  }

  showNewsEditor() {
    document.getElementById('news-title').value = this.currentNews.title || '';
    document.getElementById('news-content').value = this.currentNews.content || '';
    document.getElementById('news-status').value = this.currentNews.status || 'draft';
    document.getElementById('news-audio').value = '';
    document.getElementById('news-audio-name').textContent = this.currentNews.audioFileName || '';
    document.getElementById('news-editor').hidden = false;
  }

  closeNewsEditor() {
    this.currentNews = null;
    document.getElementById('news-editor').hidden = true;
  }

  async saveNews() {
    if (!this.storage) {
      alert('Stockage indisponible');
      return;
    }
    const news = this.currentNews;
    news.title = document.getElementById('news-title').value;
    news.content = document.getElementById('news-content').value;
    news.status = document.getElementById('news-status').value;
    news.updatedAt = Date.now();
    const file = document.getElementById('news-audio').files[0];
    if (file) {
      try {
        const result = await this.storage.saveAudioFile(`${news.id}-audio-${Date.now()}`, { data: file, type: file.type || 'audio/mpeg' });
        Object.assign(news, { audioUrl: result.url, audioKey: result.key, audioFileName: file.name, audioSize: file.size, hasAudio: true });
      } catch (error) {
        alert("Erreur lors de l'envoi du son : " + error.message); // saved without audio
      }
    }
    news.duration = this.durationManager ? this.durationManager.totalSeconds(news) : news.duration;
    try {
      await this.storage.saveItem('news', news);
    } catch (error) {
      alert('Erreur lors de la sauvegarde : ' + error.message);
      return;
    }
    showNotification('News enregistrée', 'success');
    this.closeNewsEditor();
    await this.loadNews();
  }

  /** A copy to edit, unsaved until Save: the loaded item spread, with a new id and times. */
  async duplicateNews(id) {
    const data = await this.storage.load();
    const original = data.news.find((n) => n.id === id);
    if (!original) return;
    const now = Date.now();
    this.currentNews = {
      ...original, id: `news-${now}`, title: `${original.title} (copie)`, createdAt: now, updatedAt: now,
      audioUrl: undefined, audioSize: undefined, audioDuration: undefined,
    };
    this.showNewsEditor();
  }

  async deleteNews(id) {
    if (!confirm('Supprimer cette news ?')) return;
    const data = await this.storage.load();
    const news = data.news.find((n) => n.id === id);
    if (!news) return;
    const deleted = await this.storage.deleteItem('news', id, news.createdAt);
    if (!deleted) {
      alert('Erreur lors de la suppression');
      return;
    }
    showNotification('News supprimée', 'success');
    await this.loadNews();
  }

  // ---- audio -----------------------------------------------------------------------------

  playAudio(url) {
    const status = document.getElementById('audio-status');
    if (this.currentAudio) this.currentAudio.pause();
    this.currentAudio = new Audio(url);
    status.dataset.state = 'loading';
    this.currentAudio.addEventListener('loadedmetadata', () => {
      status.dataset.state = 'loaded';
      status.textContent = `Lecture (${Utils.formatDuration(this.currentAudio.duration)})`;
    });
    this.currentAudio.addEventListener('error', () => {
      status.dataset.state = 'error';
      status.textContent = 'Lecture impossible';
    });
    this.currentAudio.play().catch(() => {}); // autoplay rules: the metadata still loads
  }

  async downloadAudio(url) {
    const status = document.getElementById('audio-status');
    try {
      const response = await fetch(url, { mode: 'cors', credentials: 'omit' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const blob = await response.blob();
      status.dataset.state = 'downloaded';
      status.dataset.bytes = String(blob.size);
      status.textContent = `${blob.size} octets reçus`;
    } catch (error) {
      status.dataset.state = 'error';
      status.textContent = 'Téléchargement impossible : ' + error.message;
    }
  }

  // ---- animations ------------------------------------------------------------------------

  async loadAnimations() {
    if (!this.storage) return;
    const data = await this.storage.load();
    document.getElementById('animations-list').replaceChildren(...data.animations
      .filter((a) => a.status !== 'archived')
      .map((a) => this.row('animation-row', a, [a.title, a.author], [
        ['Modifier', 'edit', () => this.editAnimation(a.id)],
        ['Dupliquer', 'duplicate', () => this.duplicateAnimation(a.id)],
        ['Archiver', 'archive', () => this.archiveAnimation(a.id)],
        ['Supprimer', 'delete', () => this.deleteAnimation(a.id)],
      ])));
  }

  createAnimation() {
    const now = Date.now();
    this.currentAnimation = { id: `animation-${now}`, title: '', content: '', author: this.userName(), createdAt: now, updatedAt: now };
    this.showAnimationEditor();
  }

  async editAnimation(id) {
    const data = await this.storage.load();
    this.currentAnimation = data.animations.find((a) => a.id === id);
    if (this.currentAnimation) this.showAnimationEditor();
  }

  showAnimationEditor() {
    document.getElementById('animation-title').value = this.currentAnimation.title || '';
    document.getElementById('animation-content').value = this.currentAnimation.content || '';
    document.getElementById('animation-editor').hidden = false;
  }

  closeAnimationEditor() {
    this.currentAnimation = null;
    document.getElementById('animation-editor').hidden = true;
  }

  async saveAnimation() {
    const animation = this.currentAnimation;
    animation.title = document.getElementById('animation-title').value;
    animation.content = document.getElementById('animation-content').value;
    animation.updatedAt = Date.now();
    try {
      await this.storage.saveItem('animations', animation);
    } catch (error) {
      alert('Erreur lors de la sauvegarde : ' + error.message);
      return;
    }
    this.closeAnimationEditor();
    await this.loadAnimations();
  }

  async duplicateAnimation(id) {
    const data = await this.storage.load();
    const original = data.animations.find((a) => a.id === id);
    if (!original) return;
    const now = Date.now();
    this.currentAnimation = { ...original, id: `animation-${now}`, title: `${original.title} (copie)`, createdAt: now, updatedAt: now };
    this.showAnimationEditor();
  }

  async archiveAnimation(id) {
    const data = await this.storage.load();
    const animation = data.animations.find((a) => a.id === id);
    if (!animation) return;
    animation.status = 'archived';
    animation.updatedAt = Date.now();
    try {
      await this.storage.saveItem('animations', animation);
    } catch (error) {
      alert("Erreur lors de l'archivage : " + error.message);
    }
    await this.loadAnimations();
  }

  async deleteAnimation(id) {
    if (!confirm('Supprimer cette animation ?')) return;
    const data = await this.storage.load();
    const animation = data.animations.find((a) => a.id === id);
    if (!animation) return;
    if (!(await this.storage.deleteItem('animations', id, animation.createdAt))) {
      alert('Erreur lors de la suppression');
      return;
    }
    await this.loadAnimations();
  }

  // ---- conductors ------------------------------------------------------------------------

  async loadConductors() {
    if (!this.storage) return;
    const data = await this.storage.load();
    document.getElementById('conductors-list').replaceChildren(...data.conductors.map((c) =>
      this.row('conductor-row', c, [c.title, c.scheduledDate, `${(c.segments || []).length} segments`], [
        ['Modifier', 'edit', () => this.editConductor(c.id)],
        ['Supprimer', 'delete', () => this.deleteConductor(c.id)],
      ])));
  }

  createConductor() {
    const now = Date.now();
    this.currentConductor = {
      id: `conductor-${now}`, title: '', scheduledDate: new Date().toISOString().slice(0, 10), scheduledTime: '07:00',
      author: this.userName(), createdAt: now, updatedAt: now,
      segments: [{ id: `segment-${now}`, type: 'jingle', title: 'Indicatif', content: '', duration: 10 }],
    };
    this.showConductorEditor();
  }

  async editConductor(id) {
    const data = await this.storage.load();
    this.currentConductor = data.conductors.find((c) => c.id === id);
    if (this.currentConductor) this.showConductorEditor();
  }

  showConductorEditor() {
    this.currentModal = 'conductor';
    document.getElementById('conductor-title').value = this.currentConductor.title || '';
    document.getElementById('conductor-date').value = this.currentConductor.scheduledDate || '';
    document.getElementById('conductor-modal').hidden = false;
  }

  closeConductorEditor() {
    this.currentConductor = null;
    this.currentModal = null;
    document.getElementById('conductor-modal').hidden = true;
  }

  async saveConductor() {
    const conductor = this.currentConductor;
    conductor.title = document.getElementById('conductor-title').value;
    conductor.scheduledDate = document.getElementById('conductor-date').value;
    conductor.updatedAt = Date.now();
    try {
      await this.storage.saveItem('conductors', conductor);
    } catch (error) {
      alert('Erreur lors de la sauvegarde : ' + error.message);
      return;
    }
    this.closeConductorEditor();
    await this.loadConductors();
  }

  async deleteConductor(id) {
    if (!confirm('Supprimer ce conducteur ?')) return;
    const data = await this.storage.load();
    const conductor = data.conductors.find((c) => c.id === id);
    if (!conductor) return;
    await this.storage.deleteItem('conductors', id, conductor.createdAt); // result not checked
    await this.loadConductors();
  }

  // ---- journals (the "Journaux" tab, view "blocks") ---------------------------------------

  async loadJournals() {
    if (!this.storage) return;
    const journals = await this.storage.getAllJournals();
    journals.sort((a, b) => `${a.scheduledDate} ${a.scheduledTime}`.localeCompare(`${b.scheduledDate} ${b.scheduledTime}`));
    document.getElementById('journals-list').replaceChildren(...journals.map((j) =>
      this.row('journal-row', j, [j.title, j.scheduledTime, `${(j.newsIds || []).length} news`], [
        ['Modifier', 'edit', () => this.editJournal(j.id)],
        ['Supprimer', 'delete', () => this.deleteJournal(j.id)],
      ])));
  }

  createJournal() {
    const now = Date.now();
    this.currentJournal = {
      id: `journal-${now}`, title: '', scheduledDate: new Date().toISOString().slice(0, 10), scheduledTime: '12:00',
      newsIds: [], targetDuration: 900, tolerance: 30, author: 'Anonyme', createdAt: now, updatedAt: now,
    };
    this.showJournalEditor();
  }

  async editJournal(id) {
    const journals = await this.storage.getAllJournals();
    const journal = journals.find((j) => j.id === id);
    if (!journal) return;
    this.currentJournal = { ...journal }; // shallow: newsIds is shared with the cache
    this.showJournalEditor();
  }

  showJournalEditor() {
    document.getElementById('journal-title').value = this.currentJournal.title || '';
    document.getElementById('journal-time').value = this.currentJournal.scheduledTime || '';
    document.getElementById('journal-editor').hidden = false;
  }

  closeJournalEditor() {
    this.currentJournal = null;
    document.getElementById('journal-editor').hidden = true;
  }

  async saveJournal() {
    const journal = this.currentJournal;
    journal.title = document.getElementById('journal-title').value;
    journal.scheduledTime = document.getElementById('journal-time').value;
    journal.updatedAt = Date.now();
    try {
      await this.storage.saveJournal(journal);
    } catch (error) {
      alert('Erreur lors de la sauvegarde du journal : ' + error.message);
      return;
    }
    this.closeJournalEditor();
    await this.loadJournals();
  }

  async deleteJournal(id) {
    if (!confirm('Supprimer ce journal ?')) return;
    await this.storage.deleteJournal(id); // result ignored
    await this.loadJournals();
  }

  // ---- multitrack ------------------------------------------------------------------------

  initMultitrackEditor() {
    if (!this.multitrackEditor) {
      this.multitrackEditor = new MultitrackEditor(this.storage, document.getElementById('multitrack-container'));
    }
    return this.multitrackEditor.loadProjects();
  }
}

// Global helpers the page's inline handlers call.
function switchView(view) {
  window.app.switchView(view);
}

function createNews() {
  window.app.createNews();
}

const style = document.createElement('style');
style.textContent = 'tr[data-type="animation"] td:first-child { font-style: italic; }';
document.head.appendChild(style);

document.addEventListener('DOMContentLoaded', () => {
  window.app = new SaintEspritV3();
});
