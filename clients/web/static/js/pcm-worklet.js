// An AudioWorklet processor that passes the microphone's first channel to the page unchanged
// (Float32 blocks at the AudioContext's rate); js/audio.js turns them into PCM16.
class PcmTap extends AudioWorkletProcessor {
  process(inputs) {
    const input = inputs[0];
    if (input && input.length > 0 && input[0].length > 0) {
      this.port.postMessage(input[0].slice(0));
    }
    return true;
  }
}

registerProcessor('pcm-tap', PcmTap);
