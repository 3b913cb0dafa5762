// What the browser phone dials, from what the member typed or pasted (its own module so
// that tests can hold it against the PBX's reading, officina/trunks/dialling.py).

// What a desk phone dials: extensions and the community's other numbers, numbers outside
// (a leading + before the country code: the PBX reads them in the trunk's country), and
// the PBX's own codes that start with one or two stars (*97 your voicemail, *98 any box,
// *8 pickup, **202 the call ringing on 202).
const DIALABLE = /^(\*{1,2}[0-9]{1,16}|\+?[0-9]{1,16})$/;
// Members paste numbers as their contacts write them ("+39 (02) 1234-5678"): these
// separators go before the number is dialled, since a SIP URI's user part has no room
// for them; the ones the PBX's reading drops, tabs and non-breaking spaces too.
const SEPARATORS = /[\s.\-/()]/g;

// ``typed`` as it is dialled (separators dropped), or null when it is none of DIALABLE.
export function dialable(typed) {
  const number = typed.replace(SEPARATORS, "");
  return DIALABLE.test(number) ? number : null;
}
