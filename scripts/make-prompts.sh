#!/usr/bin/env bash
# Regenerates the built-in voice prompts in prompts/<lang>/<name>.wav with espeak-ng
# and sox (both installed by scripts/install-test-deps.sh).
#
# Reproducible: fixed voice, speed and pitch; sox in repeatable mode (-R) with dither
# off (-D), so the same espeak-ng/sox versions give byte-identical files and a
# regeneration only shows up in `git status` when a text or a flag changed.
#
# Each prompt is made telephone-ready once, here, instead of on every call:
#   8 kHz, 16-bit signed, mono PCM WAV (what G.711 needs; no resampling at run time);
#   6 dB down first (espeak-ng peaks near full scale; the filters would clip), then
#   high-pass at 100 Hz (no DC or rumble for the µ-law/A-law encoder to waste steps on);
#   leading/trailing silence trimmed at -50 dBFS, then a 20 ms fade-in and a 50 ms
#   fade-out so the speech has no click at either edge;
#   peak normalised to -3 dBFS (headroom for G.711 and any later mixing, no clipping);
#   100 ms of digital silence before and 200 ms after, so prompts queued back to back
#   are separated by a natural pause and every file starts and ends on exact zeros.
#
# The names are the catalog keys of src/voicemail/prompts/prompt-names.ts; the unit
# tests check that every name exists for every language.
#
# Usage: scripts/make-prompts.sh          (from anywhere; writes into the repository)
set -euo pipefail

# Voices and speed: the eSpeak NG defaults are a touch fast for a phone line.
SPEED=150   # words per minute (espeak-ng default 175)
PITCH=50    # 0–99 (default 50)
declare -A VOICE=([ru]=ru [en]=en-us)

# name|English text|Russian text — keep the names: they are the catalog keys.
PHRASES=(
  'greeting-busy|The subscriber is busy.|Абонент занят.'
  'greeting-no-answer|The subscriber cannot answer right now.|Абонент не может ответить.'
  'greeting-unavailable|The subscriber is unavailable.|Абонент недоступен.'
  'greeting-unconditional|The subscriber cannot take calls at the moment.|Абонент сейчас не может принять звонок.'
  'greeting-default|The subscriber cannot take your call.|Абонент не может принять ваш звонок.'
  'warning-standard|Please leave your message after the tone.|Оставьте ваше сообщение после сигнала.'
  'call-later|Please call later.|Пожалуйста, перезвоните позже.'
  'stay-on-line|Please stay on the line.|Пожалуйста, оставайтесь на линии.'
  'wait-operator|Please wait, an operator will answer you.|Пожалуйста, подождите, вам ответит оператор.'
  'message-saved|Your message has been saved. Goodbye.|Ваше сообщение сохранено. До свидания.'
  'goodbye|Goodbye.|До свидания.'
  'mailbox-full|The mailbox is full. You cannot leave a message. Goodbye.|Почтовый ящик переполнен. Оставить сообщение нельзя. До свидания.'
  'message-too-long|The maximum message length has been reached. Goodbye.|Достигнута максимальная длина сообщения. До свидания.'
)

for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "make-prompts: $tool not found (apt-get install -y espeak-ng sox)" >&2; exit 1; }
done

# UTF-8 text in, whatever the caller's locale.
export LC_ALL=C.UTF-8

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out_dir="$root/prompts"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "make-prompts: $(espeak-ng --version | head -n1)"
echo "make-prompts: $(sox --version | head -n1)"

# make_prompt <lang> <name> <text>
make_prompt() {
  local lang="$1" name="$2" text="$3"
  local dest="$out_dir/$lang/$name.wav"
  mkdir -p "$out_dir/$lang"
  # -b 1: the text is UTF-8 (Cyrillic), independent of espeak-ng's own guess.
  espeak-ng -v "${VOICE[$lang]}" -s "$SPEED" -p "$PITCH" -b 1 -w "$tmp/speech.wav" "$text"
  # Pass 1: 6 dB down first (espeak-ng peaks near full scale and the filters would
  # overshoot and clip; `norm` restores the level), high-pass, to 8 kHz mono, trim
  # silence at both ends (the reverse/silence/reverse idiom trims the tail). Written
  # to a 32-bit file because `fade` needs to know the length, which `silence` leaves
  # unknown in a pipe.
  sox -R -D "$tmp/speech.wav" -r 8000 -c 1 -b 32 -e signed-integer "$tmp/trimmed.wav" \
    gain -6 highpass 100 rate -v 8000 \
    silence 1 0.02 -50d reverse silence 1 0.02 -50d reverse
  # Pass 2: fades, peak level, then exact digital silence around the speech.
  sox -R -D "$tmp/trimmed.wav" -b 16 -e signed-integer "$dest" \
    fade h 0.02 -0 0.05 norm -3 pad 0.1 0.2
  printf 'make-prompts: %-40s %6.2f s  %7d bytes  "%s"\n' \
    "${dest#"$root"/}" "$(soxi -D "$dest")" "$(stat -c %s "$dest")" "$text"
}

count=0
for entry in "${PHRASES[@]}"; do
  IFS='|' read -r name en ru <<<"$entry"
  make_prompt en "$name" "$en"
  make_prompt ru "$name" "$ru"
  count=$((count + 2))
done

echo "make-prompts: made $count prompts in ${out_dir#"$root"/}/ ($(du -cb "$out_dir"/*/*.wav | tail -n1 | cut -f1) bytes of audio)"
