/**
 * Texts for the "speech gives no digits" test, spoken by espeak-ng with varied voice,
 * speed and pitch. Written for this test: voicemail greetings, numbers read aloud
 * (the detector must not hear "one two three" as 1 2 3), long sung vowels at several
 * pitches (steady harmonics are the hardest speech for a DTMF detector), and ordinary
 * prose in Russian and English.
 */
import type { SpeechClip } from './audio-tools.js';

const EN_PROSE = [
  'Hello, you have reached the voicemail of Anna Petrova. I am not able to take your call right now.',
  'Please leave your name, your number and a short message after the tone, and I will call you back as soon as I can.',
  'If this is urgent, press zero to reach the operator, or hang up and call the front desk during office hours,',
  'which are from nine in the morning until six in the evening, Monday through Friday.',
  'The weather this week will be mostly cloudy, with light rain on Tuesday and strong winds along the coast on Thursday.',
  'Temperatures will stay between eleven and seventeen degrees, falling to about four degrees overnight in the valleys.',
  'Our quarterly meeting has been moved to the large conference room on the third floor. Bring the printed budget,',
  'the revised schedule for the warehouse project, and any questions you collected from your teams.',
  'She sells sea shells by the sea shore. Peter Piper picked a peck of pickled peppers.',
  'How much wood would a woodchuck chuck if a woodchuck could chuck wood? Red lorry, yellow lorry.',
].join(' ');

const EN_NUMBERS = [
  'one two three four five six seven eight nine zero.',
  'star, pound, hash. Press one for sales, press two for support, press nine to repeat this menu.',
  'My number is five five five, two one three, eight nine four six. Extension four hundred and seven.',
  'Twenty, thirty, forty, fifty, sixty, seventy, eighty, ninety, one hundred, one thousand nine hundred and ninety nine.',
  'The code is seven seven three one, then the pound key. Account number zero zero four two nine eight.',
].join(' ');

const RU_PROSE = [
  'Здравствуйте, вы позвонили в голосовую почту Ивана Сергеевича. Сейчас я не могу ответить на ваш звонок.',
  'Пожалуйста, оставьте своё имя, номер телефона и короткое сообщение после звукового сигнала.',
  'Я обязательно перезвоню вам, как только освобожусь. Если вопрос срочный, нажмите ноль, чтобы соединиться с секретарём.',
  'Завтра в Москве ожидается переменная облачность, небольшой дождь во второй половине дня и ветер северо-западный,',
  'от пяти до десяти метров в секунду. Температура воздуха днём от двенадцати до пятнадцати градусов тепла.',
  'Собрание жильцов переносится на следующую субботу. Просим всех принести квитанции об оплате и предложения по ремонту подъезда.',
  'Шла Саша по шоссе и сосала сушку. Карл у Клары украл кораллы, а Клара у Карла украла кларнет.',
  'В лесу родилась ёлочка, в лесу она росла. Зимой и летом стройная, зелёная была.',
  'Мы рады сообщить, что ваш заказ собран и будет доставлен в течение трёх рабочих дней.',
].join(' ');

const RU_NUMBERS = [
  'один два три четыре пять шесть семь восемь девять ноль.',
  'звёздочка, решётка. Нажмите один для отдела продаж, два для технической поддержки, девять чтобы прослушать меню ещё раз.',
  'Мой номер: восемь, девятьсот шестнадцать, сто двадцать три, сорок пять, шестьдесят семь. Добавочный четыреста семь.',
  'двадцать, тридцать, сорок, пятьдесят, шестьдесят, семьдесят, восемьдесят, девяносто, сто, тысяча девятьсот девяносто девять.',
].join(' ');

/** Long vowels and hums: espeak holds repeated letters as one sustained sound. */
const SUNG_EN = 'Aaaaaaaaaah. Ooooooooooh. Eeeeeeeeeee. Mmmmmmmmmm. Laaa laaa laaa laaa. Ohhhh nooooo. Weeeeee.';
const SUNG_RU = 'Аааааааааа. Ооооооооооо. Ууууууууууу. Иииииииии. Ля ля ляяяя ляяяя. Мммммммммм. Эээээээээ.';

export const SPEECH_CLIPS: readonly SpeechClip[] = [
  { voice: 'en', speed: 160, pitch: 50, text: EN_PROSE },
  { voice: 'en-us', speed: 130, pitch: 80, text: EN_PROSE },
  { voice: 'en', speed: 200, pitch: 20, text: EN_NUMBERS },
  { voice: 'en-us', speed: 120, pitch: 99, text: EN_NUMBERS },
  { voice: 'ru', speed: 150, pitch: 50, text: RU_PROSE },
  { voice: 'ru', speed: 120, pitch: 85, text: RU_PROSE },
  { voice: 'ru', speed: 190, pitch: 25, text: RU_NUMBERS },
  { voice: 'ru', speed: 130, pitch: 99, text: RU_NUMBERS },
  ...[0, 25, 50, 75, 99].map((pitch) => ({ voice: 'en', speed: 80, pitch, text: SUNG_EN })),
  ...[0, 25, 50, 75, 99].map((pitch) => ({ voice: 'ru', speed: 80, pitch, text: SUNG_RU })),
  { voice: 'en+f3', speed: 150, pitch: 70, text: EN_NUMBERS },
  { voice: 'ru+f2', speed: 140, pitch: 60, text: RU_NUMBERS },
];
