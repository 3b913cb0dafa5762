// A moment written as the server writes it (officina.core.moments: the |moment and |clock
// filters): Django's SHORT_DATETIME_FORMAT (or TIME_FORMAT, for a time of day) of the
// page's language, on the member's clock. The page gives both, so a call added to the
// recent list live, or a person arriving on "who's here", reads like the reloaded page.
// The format letters the two languages' short formats use are known here; any other
// character is written as it is.
export function shownMoment(date, format, zone) {
  const parts = {};
  const clock = new Intl.DateTimeFormat("en-US", {
    timeZone: zone || undefined,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  for (const { type, value } of clock.formatToParts(date)) parts[type] = value;
  const hour = Number(parts.hour);
  const minute = parts.minute;
  // Django's "P" (English): "5 a.m.", "5:30 p.m.", "midnight", "noon".
  let twelveHour = `${hour % 12 || 12}${minute === "00" ? "" : `:${minute}`} ${hour < 12 ? "a.m." : "p.m."}`;
  if (minute === "00" && hour === 0) twelveHour = "midnight";
  if (minute === "00" && hour === 12) twelveHour = "noon";
  const letters = {
    d: parts.day,
    j: String(Number(parts.day)),
    m: parts.month,
    n: String(Number(parts.month)),
    Y: parts.year,
    H: parts.hour,
    G: String(hour),
    i: minute,
    P: twelveHour,
  };
  return [...format].map((letter) => letters[letter] ?? letter).join("");
}
