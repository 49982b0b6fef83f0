// The station's audio-storage.js: an older audio helper nothing on screen uses any more. Its
// global functions take names the storage bundle must leave alone.
async function saveAudioFile(id, file) { return window.app?.storage?.saveAudioFile(id, file); }
async function getAudioFile(id) { return window.app?.storage?.getAudioFile(id); }
async function deleteAudioFile(id) { return window.app?.storage?.deleteAudioFile(id); }
async function getAllAudioIds() {
  try {
    return await window.app.storage.getAllAudioIds();
  } catch (error) {
    return []; // the old storage never had it either
  }
}
window.audioStorage = { saveAudioFile, getAudioFile, deleteAudioFile, getAllAudioIds };
