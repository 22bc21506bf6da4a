import { useEffect, useRef, useState } from 'react';
import { Modal } from '../app/Modal';
import { attachmentLimits } from '../../src-shared/domain/attachment-rules';

/** Whether this device has a camera the app may use. */
export function useHasCamera(): boolean {
  const [has, setHas] = useState(false);
  useEffect(() => {
    let live = true;
    navigator.mediaDevices
      ?.enumerateDevices()
      .then((devices) => live && setHas(devices.some((d) => d.kind === 'videoinput')))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return has;
}

/** A live view of the laptop's camera; the shutter hands a JPEG to `onTaken`. */
export function CameraCapture({ onTaken, onClose }: { onTaken: (photo: Blob, takenAt: string) => void; onClose: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stream: MediaStream | null = null;
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment', width: { ideal: attachmentLimits.photoMaxPixels } }, audio: false })
      .then((s) => {
        stream = s;
        if (video.current) {
          video.current.srcObject = s;
          void video.current.play();
        }
      })
      .catch((e: unknown) => setError(`The camera cannot be used: ${e instanceof Error ? e.message : String(e)}`));
    return () => stream?.getTracks().forEach((track) => track.stop());
  }, []);

  const shoot = () => {
    const v = video.current;
    if (!v || v.videoWidth === 0) return;
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext('2d')?.drawImage(v, 0, 0);
    const takenAt = new Date().toISOString();
    canvas.toBlob((blob) => blob && onTaken(blob, takenAt), 'image/jpeg', 0.92);
  };

  return (
    <Modal labelledBy="camera-title" className="camera" onClose={onClose}>
        <h2 id="camera-title">Take a photo</h2>
        {error ? <p className="error" role="alert">{error}</p> : <video ref={video} muted playsInline aria-label="Camera view" />}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="button" className="primary" onClick={shoot} disabled={error !== null}>
            Take photo
          </button>
        </div>
    </Modal>
  );
}
