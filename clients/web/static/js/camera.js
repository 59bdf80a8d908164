// The camera: a preview stream and JPEG snapshots of it (canvas -> JPEG).

export async function openCamera({ deviceId = '', width = 640 } = {}) {
  return navigator.mediaDevices.getUserMedia({
    audio: false,
    video: {
      width: { ideal: width },
      height: { ideal: Math.round((width * 3) / 4) },
      ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    },
  });
}

export function stopStream(stream) {
  if (!stream) return;
  for (const t of stream.getTracks()) t.stop();
}

// Shows `stream` in `video` and waits until it has a picture.
export async function attachPreview(video, stream) {
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  if (video.readyState < 2) {
    await new Promise((resolve) => video.addEventListener('loadeddata', resolve, { once: true }));
  }
  try {
    await video.play();
  } catch {
    // autoplay of a muted preview is allowed; a refusal only means a still preview
  }
}

const canvases = new WeakMap();

// The video's current picture as a JPEG, at most maxWidth pixels wide.
export function snapshotJpeg(video, { maxWidth = 640, quality = 0.8 } = {}) {
  const vw = video.videoWidth;
  const vh = video.videoHeight;
  if (!vw || !vh) return Promise.resolve(null);
  const scale = Math.min(1, maxWidth / vw);
  const w = Math.round(vw * scale);
  const hgt = Math.round(vh * scale);
  let canvas = canvases.get(video);
  if (!canvas) {
    canvas = document.createElement('canvas');
    canvases.set(video, canvas);
  }
  canvas.width = w;
  canvas.height = hgt;
  canvas.getContext('2d').drawImage(video, 0, 0, w, hgt);
  return new Promise((resolve) => {
    canvas.toBlob((blob) => resolve(blob ? { blob, width: w, height: hgt } : null), 'image/jpeg', quality);
  });
}

// The devices of one kind ("audioinput" / "videoinput"); labels appear once permission was given.
export async function listDevices(kind) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return [];
  try {
    const all = await navigator.mediaDevices.enumerateDevices();
    return all.filter((d) => d.kind === kind);
  } catch {
    return [];
  }
}
