// Created right after the storage's init, in the same try: if init throws, the app has no
// duration manager (and no audio durations). Its presence tells that init did not throw.
class NewsDurationManager {
  // Reading speed on air (words per minute), as the station counts it.
  static WORDS_PER_MINUTE = 180;

  readingSeconds(...texts) {
    const words = texts.join(' ').split(/\s+/).filter(Boolean).length;
    return Math.round((words * 60) / NewsDurationManager.WORDS_PER_MINUTE);
  }

  totalSeconds(item) {
    return this.readingSeconds(item.lancement || '', item.content || '', item.pied || '') + (Number(item.audioDuration) || 0);
  }
}
