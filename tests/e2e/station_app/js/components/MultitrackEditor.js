// The station's multitrack editor, as far as it touches storage: projects listed with
// `storage.db.getAll('multitracks')` filtered on a user id nobody writes ('unknown'), clips
// uploaded with `storage.s3.upload({...}).promise()` to a bucket it names itself (the URL is
// built here, the upload's answer ignored), projects saved with `saveItem('multitracks', ...)`
// under a new createdAt each time. Clips without a URL are dropped when a project is opened.
class MultitrackEditor {
  static BUCKET = 'amplify-saintespritaws-di-saintespritstoragebucket-91ui2ognukke';

  constructor(storage, container) {
    this.storage = storage;
    this.container = container;
    this.projects = [];
    this.project = this.newProject();
    this.render();
  }

  userId() {
    return localStorage.getItem('saint-esprit-user-id') || 'unknown';
  }

  newProject() {
    return {
      id: `multitrack-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
      name: '', userId: this.userId(), linkedNewsId: null, duration: 0,
      tracks: [{ id: 'track-1', name: 'Piste 1', clips: [] }],
    };
  }

  render() {
    this.container.innerHTML = `
      <div class="editor">
        <label>Projet <input data-testid="mt-name"></label>
        <label>Clip <input type="file" accept="audio/*" data-testid="mt-clip-file"></label>
        <button type="button" data-testid="mt-add-clip">Ajouter le clip</button>
        <ul data-testid="mt-clips"></ul>
        <button type="button" data-testid="mt-save">Enregistrer le projet</button>
        <button type="button" data-testid="mt-new">Nouveau projet</button>
      </div>
      <h3>Mes projets</h3>
      <ul data-testid="mt-projects"></ul>`;
    const $ = (testId) => this.container.querySelector(`[data-testid="${testId}"]`);
    $('mt-name').value = this.project.name;
    $('mt-add-clip').addEventListener('click', () => this.addClip($('mt-clip-file').files[0]));
    $('mt-save').addEventListener('click', () => this.saveProject($('mt-name').value).catch(() => {}));
    $('mt-new').addEventListener('click', () => {
      this.project = this.newProject();
      this.render();
    });
    $('mt-clips').replaceChildren(...this.project.tracks[0].clips.map((clip) => {
      const li = document.createElement('li');
      li.dataset.testid = 'mt-clip';
      li.dataset.url = clip.s3Url;
      li.textContent = clip.name;
      return li;
    }));
    $('mt-projects').replaceChildren(...this.projects.map((project) => {
      const li = document.createElement('li');
      li.dataset.testid = 'mt-project';
      li.dataset.id = project.id;
      li.textContent = `${project.name} (${project.tracks.reduce((n, t) => n + t.clips.length, 0)} clips) `;
      const open = document.createElement('button');
      open.type = 'button';
      open.dataset.testid = 'mt-open';
      open.textContent = 'Ouvrir';
      open.addEventListener('click', () => this.openProject(project.id));
      li.appendChild(open);
      return li;
    }));
  }

  async loadProjects() {
    if (this.storage && this.storage.db) {
      const all = await this.storage.db.getAll('multitracks');
      this.projects = all.filter((project) => project.userId === this.userId());
    }
    this.render();
    this.container.dataset.state = 'loaded'; // the form is redrawn no more: safe to type in
  }

  openProject(id) {
    const found = this.projects.find((project) => project.id === id);
    if (!found) return;
    this.project = JSON.parse(JSON.stringify(found));
    for (const track of this.project.tracks) track.clips = track.clips.filter((clip) => clip.s3Url);
    this.render();
  }

  async addClip(file) {
    if (!file) return;
    this.project.name = this.container.querySelector('[data-testid="mt-name"]').value;
    const key = `multitrack/${this.userId()}/${Date.now()}-${file.name}`;
    let s3Url = null;
    if (this.storage && this.storage.s3) {
      try {
        await this.storage.s3.upload({
          Bucket: MultitrackEditor.BUCKET, Key: key, Body: file, ContentType: file.type, ACL: 'private',
        }).promise();
        s3Url = `https://${MultitrackEditor.BUCKET}.s3.eu-west-3.amazonaws.com/${key}`;
      } catch (error) {
        showNotification("Erreur d'envoi du clip : " + error.message, 'error');
      }
    }
    this.project.tracks[0].clips.push({ id: `clip-${Date.now()}`, name: file.name, s3Url, start: 0, duration: 0 });
    this.render();
  }

  async saveProject(name) {
    const now = Date.now();
    const record = { ...this.project, name, createdAt: now, updatedAt: now };
    try {
      await this.storage.saveItem('multitracks', record);
    } catch (error) {
      showNotification('Erreur de sauvegarde du projet : ' + error.message, 'error');
      throw error;
    }
    this.project = record;
    showNotification('Projet enregistré', 'success');
    await this.loadProjects();
  }
}
