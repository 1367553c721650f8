"""The phrases a routine uses for time, repetition, sides and breathing, read out of one sentence.

Pure functions over strings. Rules for the vague and the ranged (documented in the README):
- a range takes its lower bound: "2-3 minutes" is 120 s, "2-3 sets" is 2;
- vague amounts have fixed values: a few / several = 3, a couple = 2, a few seconds = 5,
  a few moments = 10, a moment = 5;
- "count to ten" is 10 s, one count in breathing is 1 s, one breath is BREATH_SECONDS (breath
  phases and patterns are read by parse.breath);
- "repeat N more times" is N + 1 performances.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BREATH_SECONDS = 10.0  # one slow breath, in and out, for "for five breaths"
VAGUE_MINUTES = 60.0  # "a few minutes", "several minutes": kept short, and said so in the plan's warnings

# What a verb asks of the listener, by its lemma (every inflection matches it: see parse.words).
_VERBS = {
    "position": "sit stand lie lay kneel place put take find locate position cross uncross support grasp grip "
    "practice practise cup bring lift raise lower turn rotate point set close open move wash dry interlace clasp "
    "link bend "
    "straighten draw pull reach spread curl flex extend tuck drop sink shift return come get make form allow "
    "let use keep stay remain lean tilt slide gather elevate direct decrease reduce increase ease lighten "
    "loosen adjust go clench do complete perform spend count hug grab tug cover swing sway nod shrug rock "
    "bounce hang fold look gaze blink swallow hum step march choose pick try aim start begin finish end add "
    "give warm cool check lengthen widen reverse alternate wrap interlock cradle hook anchor loop hinge apply "
    "balance squat lunge hop",
    "press": "press push pinch squeeze compress",
    "massage": "thumb massage rub knead stroke roll circle walk thumb-walk tap glide work brush sweep trace "
    "shake pat wiggle smooth milk twist drum pummel scratch comb flick slap knuckle",
    "hold": "tense tighten contract hold stretch maintain sustain retain",
    "breath": "breathe inhale exhale",
    "rest": "relax release rest notice feel focus observe soften scan imagine visualize picture continue carry "
    "repeat switch change pause wait sense enjoy smile sigh yawn settle melt listen",
}
VERBS_BY_KIND = {kind: frozenset(words.split()) for kind, words in _VERBS.items()}
ALL_VERBS = frozenset().union(*VERBS_BY_KIND.values())
# Words besides those verbs that a misspelling is mended to ("repctitions", "reapeat", "massge").
_DOMAIN_WORDS = (
    "repetition repetitions seconds minutes breaths breathing exercise exercises movement movements pressure "
    "alternately counts circles strokes fingers thumb thumbs shoulder shoulders nostril nostrils abdomen "
    "stretches stretching inhalation exhalation position positions"
)
DOMAIN_WORDS = frozenset(_DOMAIN_WORDS.split())


_UNITS = {
    "ones": 1,
    "one": 1,
    "a": 1,
    "an": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_VAGUE = {"few": 3, "several": 3, "couple": 2, "couple of": 2, "some": 3}

_WORD_NUM = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|"
    r"five|six|seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|a hundred|hundred)"
)
NUM = rf"(?:\d+(?:[.,]\d+)?|{_WORD_NUM})"
# A hyphen makes a range only next to a digit ("2-3"); between words it joins them ("twenty-five").
_RANGE_SEP = r"(?:\s*[–—]\s*|(?<=\d)\s*-\s*|\s*-\s*(?=\d)|\s+(?:to|or)\s+)"

# one-letter units only after a digit: "30 s", "30s", but "on all fours" is no time
# and a table's prime notation: 1′ is a minute, 30″ thirty seconds
_SECOND = r"(?:seconds?|secs?\.?|(?<=\d)\s?s\b|(?<=\d)″)"
_MINUTE = r"(?:minutes?|mins?\.?|(?<=\d)\s?m\b|(?<=\d)′|(?<=\d)'(?!\w))"
_HOUR = r"(?:hours?|hrs?\.?|(?<=\d)\s?h\b)"
_UNIT = rf"(?P<unit>{_SECOND}|{_MINUTE}|{_HOUR})"


def number(token: str) -> float | None:
    """The value of a number written in digits or words ("12", "2.5", "twenty-five", "a")."""
    word = token.strip().lower().replace(",", ".")
    try:
        return float(word)
    except ValueError:
        pass
    if word in ("hundred", "a hundred"):
        return 100.0
    parts = re.split(r"[- ]", word)
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS:
        return float(_TENS[parts[0]] + _UNITS[parts[1]])
    if word in _TENS:
        return float(_TENS[word])
    if word in _UNITS:
        return float(_UNITS[word])
    return None


def _unit_seconds(unit: str) -> float:
    unit = unit.lower().strip()
    if unit.startswith("h"):
        return 3600.0
    if unit.startswith(("m", "′", "'")):
        return 60.0
    return 1.0


@dataclass(frozen=True)
class Found:
    """A value read from a sentence, with where it stands (for blanking it out)."""

    value: float
    start: int
    end: int
    phrase: str


def _found(match: re.Match[str], value: float) -> Found:
    return Found(value, match.start(), match.end(), match.group(0))


_DURATION_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), how)
    for p, how in (
        (rf"\b(?:a|one|1) {_MINUTE} and a half\b", "1.5min"),
        (rf"\b(?P<a>{NUM}) and a half {_UNIT}", "and_half"),
        (r"\bhalf (?:a|an) (?P<unit>minute|hour)\b", "half"),
        (r"\b(?:a|one) minute or two\b", "60"),
        (r"\b(?:a|one) (?:second|moment) or two\b", "5"),
        (r"\ba couple (?:of )?(?P<unit>seconds|minutes)\b", "couple"),
        (r"\b(?:a )?(?:few|several) (?P<unit>seconds|minutes)\b", "few"),
        (r"\b(?:a )?(?:few|several) moments\b", "10"),
        (r"\b(?:a|one) (?:moment|short moment)\b", "5"),
        (rf"\b(?P<a>{NUM}){_RANGE_SEP}(?P<b>{NUM})[- ]?{_UNIT}", "range"),
        (rf"(?<![\w.])(?P<a>{NUM})[- ]?{_UNIT}", "single"),
        (r"\b(?:a|an|one|another) (?P<unit>second|minute|hour)\b", "one"),
        (rf"\bcount(?:ing)? (?:slowly )?(?:to|of|till|until|up to) (?P<a>{NUM})\b", "count"),
        (rf"\b(?:for )?(?:a )?count of (?P<a>{NUM})\b", "count"),
        (r"\bhold\s*[:=]\s*(?P<a>\d+)\b(?!\s*(?:[-–]|reps?|sets?|times|x)\b)", "count"),  # a form's "Hold: 5": seconds
        # "hold for five breaths" times a hold; "take 30 deep breaths" counts breaths (find_repeat)
        (
            rf"\b(?:for|over|during) (?:another |about |around )?(?P<a>{NUM})(?:{_RANGE_SEP}{NUM})?"
            r" (?:[a-z]+,? ){0,3}breaths\b",
            "breaths",
        ),
        # "hold for one deep breath", "for a breath or two"
        (
            r"\b(?:for|over|during) (?:another |about |around )?(?P<a>one|a|a single)(?: [a-z]+)? breath\b(?! of\b)",
            "breaths",
        ),
        (rf"\bfor (?P<a>{NUM}) counts?\b", "count"),
    )
)


# A script's stage direction, for the reader, not to be spoken: "(10 seconds)", "(pause 10
# seconds)", "[Pause for 30 seconds.]", "(long pause ~45 seconds)", "(Pause.)". Its time counts.
STAGE_DIRECTION = re.compile(
    r"[(\[] ?(?:(?:long|short|brief|a) )?(?:(?:pause|wait|rest|silence|hold)\b ?[-–—:,]? ?(?:for )?)?"
    rf"(?:(?:about|around|approx\.?|roughly|~) ?)?(?:{NUM}(?:{_RANGE_SEP}{NUM})?[- ]?{_UNIT})?"
    r" ?[.!]? ?[)\]]",
    re.IGNORECASE,
)


def find_durations(text: str) -> list[Found]:
    """Every stated duration in a sentence, in order, without overlaps."""
    found: list[Found] = []
    taken: list[tuple[int, int]] = []
    for pattern, how in _DURATION_PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            value = _duration_value(match, how)
            if value is None:
                continue
            if _is_frequency(text, match.end()) or _not_a_hold(text, match):
                continue
            found.append(_found(match, value))
            taken.append((match.start(), match.end()))
    return sorted(found, key=lambda f: f.start)


def _duration_value(match: re.Match[str], how: str) -> float | None:
    groups = match.groupdict()
    unit = _unit_seconds(groups["unit"]) if groups.get("unit") else 1.0
    if how == "1.5min":
        return 90.0
    if how == "half":
        return unit / 2
    if how == "couple":
        return 2 * unit
    if how == "few":  # vague: the gentlest reading that still does what is asked
        return 5.0 if unit == 1.0 else VAGUE_MINUTES
    if how in ("60", "5", "10"):
        return float(how)
    if how == "one":
        return unit
    a = number(groups.get("a") or "")
    if a is None:
        return None
    if how == "and_half":
        return (a + 0.5) * unit
    if how in ("range", "single"):
        return a * unit  # a range takes its lower bound
    if how == "breaths":
        return a * BREATH_SECONDS
    return a  # counts are seconds


def _is_frequency(text: str, end: int) -> bool:
    """'10 minutes a day' or 'for 2 weeks' is advice about a habit, not a hold."""
    rest = text[end : end + 40].lower()
    # "5 minutes before bed": when, not how long
    return bool(
        re.match(r"\s*(?:a|per|each|every) (?:day|night|week|morning|evening)", rest)
        or _OR_DAILY.search(text[max(0, end - 90) : end])  # "10 minutes a day, but preferably 25 minutes"
        or re.match(r"\s*(?:throughout|during|through|over) the (?:day|week|evening)|\s*all day", rest)
        or re.match(r"\s*(?:before|after) (?:bed|bedtime|sleep|sleeping|meals?|eating|a meal|work|training)\b", rest)
    )


# How often a day, right after a time: "… for 5 to 10 minutes, about 3 to 4 times a day"
TIMES_A_DAY = re.compile(
    r",?\s*(?:about |around |roughly |up to )?(?:\w+ (?:to|or) |\d+\s*[-–]\s*)?(?:\w+ times|once|twice) "
    r"(?:a|per|each|every) (?:day|week)\b",
    re.IGNORECASE,
)
_OR_DAILY = re.compile(
    r"\b(?:a|per) (?:day|week)\b,?\s+(?:but|or)\s+(?:preferably|ideally|even|better still|up to)\s+"
    r"(?:for\s+)?(?:about\s+)?\S+\s+\S+$",
    re.IGNORECASE,
)


# "every 20 minutes", "within 10 min of your run", "this 5-minute routine": how often, when, or
# how long something else lasts, not a time to hold
_WHEN_BEFORE = re.compile(
    r"\b(?:every|each|within|per|in the (?:first|last|next)|once every|after about|after)\s+(?:about\s+|other\s+)?$"
    r"|\b(?:times|once|twice|x)\s+(?:in|per|a|an|every)\s+(?:about\s+)?$"  # "3 times in 24 hours": how often
    # "5 times a day for 5 minutes": how long each time, said with how often
    r"|\b(?:a|per|each|every)\s+(?:day|week|morning|evening|night)\s+for\s+"
    r"(?:about\s+|around\s+|at least\s+|up to\s+|roughly\s+|approximately\s+)?$",
    re.IGNORECASE,
)
_LENGTH_OF = re.compile(
    r"\s*(?:long\s+)?(?:routine|session|practice|programme|program|sequence|video|read|walk|workout|class|"
    r"meditation|break|series|course|plan|timer|alarm|clock|audio|recording|track)\b",
    re.IGNORECASE,
)


def _not_a_hold(text: str, match: re.Match[str]) -> bool:
    if _WHEN_BEFORE.search(text[max(0, match.start() - 24) : match.start()]):
        return True
    if _LATER.match(text, match.end()) and not re.search(r"\bfor\s+(?:about\s+|another\s+)?$", text[: match.start()]):
        return True  # "5 minutes later", "an hour ago": when; not "rest for 15 minutes afterwards"
    unit = match.groupdict().get("unit") and match.start("unit")
    if unit and text[unit - 1] == "-" and re.match(r"\s*[A-Za-z]", text[match.end() :]):
        # "The 10-Minute Daily Posture Fix", "a 5-minute walk": what lasts that long, unless it is the hold
        return not _HOLD_NOUN.match(text, match.end())
    return bool(_LENGTH_OF.match(text, match.end()))  # "a 5 minute timer"


_LATER = re.compile(r"\s+(?:later|earlier|ago|from now|beforehand|afterwards)\b", re.IGNORECASE)
_HOLD_NOUN = re.compile(
    r"\s*(?:hold|stretch|press|squeeze|contraction|pause|rest|massage|rub|count|breath|tense)\w*\b", re.IGNORECASE
)


_REPEAT_WORDS = {"once": 1, "twice": 2, "thrice": 3}
ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth")


def ordinal_time(n: int) -> str:
    """How the n-th performance is announced: "Second time.", "Time number 11."."""
    return f"{ORDINALS[n - 1]} time." if 0 < n <= len(ORDINALS) else f"Time number {n}."


def ordinal_set(n: int) -> str:
    """How the n-th set is announced: "Second set.", "Set number 11."."""
    return f"{ORDINALS[n - 1]} set." if 0 < n <= len(ORDINALS) else f"Set number {n}."


# Movements counted by name: "10 strokes", "15 calf raises", "8 push-ups"
MOVES = (
    "strokes|passes|squeezes|presses|circles|rolls|taps|rocks|rotations|lifts|raises|shrugs|tucks|nods|tilts|"
    "swings|pumps|blinks|sweeps|glides|pulls|twists|bends|movements|motions|exhalations|inhalations|squats|"
    "lunges|bridges|push-?ups|press-?ups|sit-?ups|crunches|curls|kicks|jumps|dips|clamshells|clams|marches"
)


_REPEAT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), how)
    for p, how in (
        (
            rf"\b(?P<s>{NUM})(?:{_RANGE_SEP}{NUM})? sets? of (?P<a>{NUM})\b(?![- ]?{_UNIT})",
            "n",
        ),  # "3 sets of 10": 10 repetitions a set (find_sets counts the sets)
        (rf"\bset of (?P<a>{NUM})(?:{_RANGE_SEP}{NUM})?\b(?![- ]?{_UNIT})", "n"),  # "a final set of 10-15"
        (
            rf"\b(?P<a>{NUM}|a few|few|several|a couple of|a couple)(?:{_RANGE_SEP}{NUM})? more"
            r" (?:times|rounds|cycles|reps|repetitions|sets)\b",
            "more",
        ),
        (r"\b(?:once|one time) more\b|\bone more time\b|\bonce again\b", "once_more"),
        (r"\b(?:twice|two times) more\b", "twice_more"),
        (rf"\b(?P<a>{NUM}){_RANGE_SEP}(?P<b>{NUM}) ?(?:times|reps|repetitions|cycles)\b", "n"),
        (rf"\b(?P<a>{NUM}) ?(?:times|reps|repetitions|cycles)\b", "n"),
        # "8-10 such cycles", "five pendulum breathing cycles", "10 slow repetitions"
        (
            rf"\b(?P<a>{NUM})(?:{_RANGE_SEP}{NUM})? "
            r"(?:(?!(?:more|of|secs?|seconds?|mins?|minutes?|hours?|s|m)\b)[a-z]+ ){1,2}(?:reps|repetitions|cycles)\b",
            "n",
        ),
        (
            rf"\b(?P<a>{NUM})(?:{_RANGE_SEP}{NUM})? (?:[a-z]+ )?"
            rf"(?:{MOVES})\b",
            "n",
        ),
        # "10 each direction": as many each way (doubled below)
        (rf"\b(?P<a>{NUM})(?=\s+(?:in\s+)?(?:each|either|both)\s+(?:directions?|ways?)\b)", "n"),
        # "Take 30 to 40 deep breaths", "twenty or thirty puffs": breaths counted, one at the pace set
        (
            rf"(?<!\bfor )(?<!\bover )(?<!\bduring )(?<!\babout )\b(?P<a>{NUM})(?:{_RANGE_SEP}{NUM})?"
            r" (?:[a-z]+,? ){0,2}(?:breaths|puffs|respirations|inhalations)\b",
            "breaths",
        ),
        (r"\b(?P<a>a few|few|several|a couple of|a couple) (?:times|sets|rounds|reps|repetitions|cycles)\b", "n"),
        (r"(?<!\bfor )(?P<a>\ba few|\bseveral|\ba couple of) (?:[a-z]+,? ){0,2}breaths\b", "breaths"),
        (r"\b(?P<w>twice|thrice)\b(?!\s+(?:as|that)\b)", "word"),  # not "twice as long"
        (rf"\b(?P<a>{NUM})\s+(?:repeats?|holds)\b", "n"),  # "(4 repeat)", "5 holds each direction"
        (r"\breps?\s*[:=]\s*(?P<a>\d+)\b", "n"),  # "Sets: 3 | Reps: 10": the repetitions
        # "3x", "3 x 10 seconds"; "3 x 12 reps" is 12 repetitions, 3 sets
        (r"(?<![\w.])(?P<a>\d+)\s*[x×](?![\w])(?!\s*\d+\s*(?:reps?|repetitions|times)\b)", "n"),
        (r"(?<![\w.])[x×]\s*(?P<a>\d+)\b", "n"),  # "x3", "Repeat x3"
    )
)
# Sets or rounds counted without the repetitions in each ("Do 2-3 sets", "Sets: 3"): performances too.
_SETS_ALONE: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), "n")
    for p in (
        rf"\b(?P<a>{NUM})(?:{_RANGE_SEP}{NUM})? ?(?:sets|rounds)\b",
        r"\bsets?\s*[:=]\s*(?P<a>\d+)\b",
    )
)


_BOTH_WAYS = re.compile(
    r"\s*(?:in\s+)?(?:each|either|both)\s+(?:directions?|ways?)\b|\s*(?:clockwise\s+and\s+(?:then\s+)?"
    r"(?:anti-?clockwise|counter-?clockwise)|forwards?\s+and\s+backwards?)\b",
    re.IGNORECASE,
)


_AND_BACK = re.compile(
    r"(?:\s+(?:one way|in one direction|clockwise|forwards?))?"
    rf",?\s*(?:and\s+)?(?:then\s+)?(?:(?P<n>{NUM})\s+(?:more\s+)?(?:\w+\s+)?"
    r"(?:the other (?:way|direction)|the other(?![ \t]+[a-z])|in the other direction|"  # not "on the other foot"
    r"counter-?clockwise|anti-?clockwise|in reverse|backwards?|the opposite way)"
    r"|(?:reverse|change|switch|swap)\s+(?:the\s+)?directions?)\b",  # "…, then reverse the direction": as many again
    re.IGNORECASE,
)


def find_repeat(text: str) -> Found | None:
    """The number of performances a sentence asks for ("repeat 3 more times" is 4): the count
    said first, where a sentence says several ("ten repetitions, one set")."""
    for patterns in (_REPEAT_PATTERNS, _SETS_ALONE):
        found = [f for f in (_repeat_by(pattern, how, text) for pattern, how in patterns) if f]
        if found:
            return min(found, key=lambda f: f.start)
    return None


def _repeat_by(pattern: re.Pattern[str], how: str, text: str) -> Found | None:
    for match in pattern.finditer(text):
        if _is_frequency(text, match.end()):  # "3x a day" is how often, not how many
            continue
        groups = match.groupdict()
        if how == "breaths" and _OR_A_TIME.search(text[max(0, match.start() - 16) : match.start()]):
            continue  # "30 seconds / 5 deep breaths": the same hold, measured in breaths
        if how == "once_more":
            return _found(match, 2)
        if how == "twice_more":
            return _found(match, 3)
        if how == "word":
            return _found(match, _REPEAT_WORDS[groups["w"].lower()])
        count = _count(groups["a"])
        if count is None:
            continue
        if how == "more":
            count += 1
        if _BOTH_WAYS.match(text, match.end()):
            count *= 2  # "10 times each direction"
        back = _AND_BACK.match(text, match.end())
        if back:
            count += (_count(back.group("n")) if back.group("n") else None) or count  # "…, then 5 the other way"
        return _found(match, count)
    return None


_OR_A_TIME = re.compile(r"\b(?:s|secs?|seconds?|mins?|minutes?)\s*(?:/|\bor\b|\(|,|–|-)\s*(?:about\s+)?$", re.I)


_SETS = re.compile(
    rf"\b(?P<a>{NUM})(?:{_RANGE_SEP}{NUM})? (?:sets?|rounds?|spells?|circuits?)\b(?! of breath)"
    r"|\bsets?\s*[:=]\s*(?P<b>\d+)"
    r"|(?<![\w.])(?P<c>\d+)\s*[x×]\s*\d+\s*(?:reps?|repetitions|times)\b",
    re.IGNORECASE,
)


def find_sets(text: str) -> Found | None:
    """How many sets a sentence asks for where it counts the repetitions in each too ("3 sets of
    10", "10 repetitions with 10 s rest, 3 sets", "Sets: 2 | Reps: 8", "3 x 10 reps")."""
    reps = find_repeat(text)
    for match in _SETS.finditer(text):
        counted = reps is not None and (
            not reps.start <= match.start() < reps.end or re.search(r"\bsets? of\b|[x×]", reps.phrase, re.I)
        )
        if not counted:
            continue
        count = _count(match.group("a") or match.group("b") or match.group("c"))
        if count is not None and count >= 1 and not _is_frequency(text, match.end()):
            return _found(match, count)
    return None


def _count(token: str) -> float | None:
    word = token.lower().removeprefix("a ").strip()
    if word in _VAGUE:
        return float(_VAGUE[word])
    return number(word)


_STEP_RANGE = re.compile(
    rf"\brepeat (?:steps?|numbers?) (?P<a>\d+)(?:{_RANGE_SEP}|\s*(?:and|through|thru)\s*)(?P<b>\d+)",
    re.IGNORECASE,
)


def find_step_range(text: str) -> tuple[int, int] | None:
    """'repeat steps 2-4' names list items to do again."""
    match = _STEP_RANGE.search(text)
    if not match:
        return None
    first, last = int(match.group("a")), int(match.group("b"))
    return (first, last) if first <= last else (last, first)


# Sides -------------------------------------------------------------------------------------

_SIDE_WORD = re.compile(r"\b(left|right)\b", re.IGNORECASE)
# Parts of the body that come in a left and a right: "on each finger" or "for each muscle group"
# goes through many, not two sides.
_PAIRED = (
    r"(?:sides?|feet|foot|hands?|legs?|arms?|shoulders?|ears?|eyes?|knees?|hips?|wrists?|ankles?|elbows?|"
    r"calf|calves|cheeks?|temples?|thighs?|palms?|soles?|heels?|hamstrings?|quads?|glutes?|buttocks?|"
    r"forearms?|shins?|big toes?|thumbs?|armpits?|collarbones?)"
)
# "on both sides of the spine", "both hands at the same time": where, or all at once, not in turn
_NOT_IN_TURN = r"(?!\s+of\b)(?![^.]*\b(?:at the same time|at once|together|simultaneously)\b)"
# "Stand on one leg for 30 seconds, then on the other.": the other side, named by nothing else.
# Said of a movement that is not timed ("Drop your knees to one side, then the other") it is
# a movement both ways, and no cue (see parse.units).
OTHER_TAIL = r",?\s*\b(?:and\s+)?then\s+(?:on\s+|to\s+|with\s+|over\s+)?the\s+other(?:\s+one)?\s*[.!]?\s*$"


_MIRROR = re.compile(
    r"\b(?:(?P<label>left|right)\s+(?P<lpart>\w+)\s*:\s*)?(?:the\s+)?same\s+(?:as|on|for|with)\s+(?:the\s+|your\s+)?"
    r"(?:(?P<from>left|right)|(?P<to>other|opposite|contralateral))\b(?:\s+(?P<part5>\w+))?"
    r"|\b(?:repeat|same)\b[^.]{0,30}?\s(?:on|with|for|using)\s+(?:the\s+)?(?:other|opposite|contralateral)\s+(?P<part9>\w+)"
    r"|\b(?:repeat|do|perform|same)\b(?:\s+(?:it|this|that|these|them|all|everything|the same(?: thing)?|"
    r"(?:this|that|the|these|each)(?: whole| entire)? (?:\w+\s+)?(?:exercise|stretch|movement|sequence|steps?|"
    r"routine|massage|points?|strokes?|moves?|technique|part|cycle|round)s?))?(?:,?\s+(?:again|too|as well))?"
    r",?\s+(?:on|with|for|using)\s+(?:the\s+)?(?:other|opposite|contralateral)\s+(?P<part>\w+)"
    r"|\b(?:switch|change|swap|alternate|reverse)\s+(?:to\s+the\s+other\s+|the\s+|to\s+|your\s+)?"
    r"(?P<part2>sides?|feet|hands|legs|arms|wrists|ankles|knees|shoulders|hips|elbows|ears|thighs|calves|palms|"
    r"positions)\b"
    # "Turn onto your right side and repeat.": the side named, then the same again
    r"|\b(?:onto|to|behind|under|on)\s+(?:your|the)\s+(?P<side5>left|right)\s+(?P<part8>\w+(?:\s+blade)?)\b"
    r"[^.]{0,40}?\band\s+repeat"
    r"(?:\s+(?:it|this|that|the same|the (?:exercise|stretch|movement)))?\s*[.!]?\s*$"
    # "switch over to the other arm", "swap and do the other shoulder", "now work the opposite leg"
    r"|\b(?:switch|change|swap|move|go|turn)\s+(?:over\s+)?(?:to|and\s+do|and\s+work\s+on)\s+(?:the\s+)?"
    r"(?:other|opposite|contralateral)\s+(?P<part6>\w+)"
    r"|\b(?:now|then)\s+(?:do|work(?:\s+on)?|massage|stretch|treat)\s+(?:the\s+)?(?:other|opposite|contralateral)\s+(?P<part7>\w+)"
    r"|\b(?:the\s+)?(?:other|opposite|contralateral)\s+(?P<part3>side|foot|hand|leg|arm|shoulder|ear|eye|knee|hip)\b[^.]*\b(?:repeat|same)\b"
    r"|\b(?:repeat|do (?:all (?:of )?)?(?:it|this|that|these|them|the same|the whole thing|everything|"
    r"the whole sequence) again"
    r"|(?:do|repeat) the (?:same|like)(?:\s+\w+)?\s+"
    r"(?:steps|exercises|stretches|movements|moves|things|sequence|routine)|do the (?:same|like))\b"
    r"[^.]{0,30}?\b(?:on|with|for|using)\s+(?:the|your)\s+(?P<side>left|right)\s+(?P<part4>\w+)"
    # "Then repeat on the right.": a side named, no part
    r"|\b(?:repeat|do (?:it|this|the same) again)\s+on\s+(?:the|your)\s+(?P<side6>left|right)(?:\s+side)?\s*[.!]?\s*$"
    r"|\b(?:repeat|work through|go through|do|perform)\s+(?:all\s+)?(?:of\s+)?(?:the|these|those)\s+same\s+"
    r"(?:steps|sequence|routine|movements|exercises|points|strokes)\b"
    # "…and of course the other side", "then we'll switch"
    r"|^\W*(?:and\s+|now\s+|then\s+)+(?:of course\s+|now\s+)?(?:on\s+|to\s+|with\s+)?the\s+(?:other|opposite)"
    r"(?:\s+(?P<part12>side|foot|hand|leg|arm|shoulder|knee|hip|wrist|ankle)|\s+one)?\s*[.!]?\s*$"
    rf"|{OTHER_TAIL}"
    r"|\b(?:now|then|and)\b[^.]{0,15}?\b(?:switch|swap)(?:es|ing)?(?:\s+over)?\s*[.!]?\s*$"
    # "…for 90 seconds, and then on the left."
    r"|,?\s*\band\s+then\s+(?:on|to)\s+the\s+(?P<side7>left|right)(?:\s+(?P<part11>\w+))?\s*[.!]?\s*$"
    # "Once you have finished one foot, do the other.", "And of course, you've got the other side."
    r"|\b(?:do|work|treat|massage|stretch|got|get|go to|move to|switch to|over to)\s+(?:on\s+)?(?:the\s+)?"
    r"(?:other|opposite|contralateral)(?:\s+(?P<part10>\w+))?\s*[.!]?\s*$",
    re.IGNORECASE,
)
_SWITCH_TO = re.compile(
    r"^\s*(?:now|next|then)?,?\s*(?:switch to |move to |change to |onto |to )?"
    r"the (?P<side>left|right) (?P<part>\w+)\b\s*[.:!]?\s*$"
    r"|\b(?:now|next),?\s+(?:switch to |move to |move on to |shift to |go to |turn to |change to |work on |do )?"
    r"(?:the|your) (?P<side2>left|right) (?P<part2>\w+)"
    # "Moving your attention to your left foot.", "Bring your awareness over to the right hand."
    r"|^\W*(?:now\s+|next\s+|and\s+)?(?:mov|bring|shift|turn|switch|tak|direct)(?:e|es|ing)?\s+(?:your\s+)?"
    r"(?:attention|awareness|focus|mind)\s+(?:over\s+|down\s+|up\s+)?(?:on)?to\s+(?:the|your)\s+"
    r"(?P<side3>left|right)\s+(?P<part3>\w+)",
    re.IGNORECASE,
)
_EACH = re.compile(
    rf"\b(?:on|for|to|toward|towards)\s+(?:each|both|either)\s+(?P<part>{_PAIRED})\b{_NOT_IN_TURN}"
    r"|\(?\b(?:left|right)\s*/\s*(?:left|right)\b\)?(?:\s+sides?)?|\b(?:left|right) and (?:left|right) sides\b"
    r"|\bwith\s+(?:each|either)\s+(?P<part2>sides?|feet|foot|hands?|legs?|arms?)\b"
    rf"|(?<!\bin )\b(?:each|per)\s+(?P<part5>{_PAIRED})\b{_NOT_IN_TURN}"  # not "a ball in each hand"
    rf"|\bboth sides\b{_NOT_IN_TURN}"
    r"|\bboth (?P<part3>feet|hands|legs|arms|wrists|shoulders|knees)\b(?=[^.]*\bone at a time\b)"
    r"|\bsides?\s*[:=]\s*(?:both|each|2|two|l\s*(?:&|and|/)\s*r)\b",  # a handout's "Sides: both"
    re.IGNORECASE,
)
# "Sets: 3 | Reps: 10 | Hold: 5 sec | Sides: both": a handout's prescription for the exercise above it
_FIELDS = r"sets?|reps?|repetitions|hold|time|duration|rest|sides?|daily|weekly|frequency|times (?:a|per) (?:day|week)"
PRESCRIPTION = re.compile(
    rf"^(?:\s*(?:{_FIELDS})\s*[:=]\s*[^|;:=]+?[|;,.]?)+\s*$",
    re.IGNORECASE,
)
# The same with nothing but numbers and sides for values: timed and counted, so not read out.
# ("Rest: lie flat for one minute." is a prescription to the parser, but it is said.)
PRESCRIPTION_VALUES = re.compile(
    rf"^(?: ?(?:{_FIELDS}) ?[:=] ?"
    r"(?:[\d.,-]+ ?(?:seconds?|secs?|s|minutes?|mins?|m|x)?\.?|both|each|l ?(?:&|and|/) ?r)(?: ?[|;,.])?)+ ?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SideCue:
    """A sentence's word on sides: do it again mirrored, switch now, or do it on each side."""

    kind: str  # "mirror", "switch", "each"
    side: str | None  # for a switch: the side it names
    part: str | None  # body part named, if any ("foot", "hand")
    phrase: str


def find_side_cue(text: str) -> SideCue | None:
    match = _MIRROR.search(text)
    if match:
        part = match.group("part") or match.group("part3") or match.group("part4")
        part = part or match.group("part6") or match.group("part7") or match.group("part9") or match.group("part10")
        if match.group("part2"):  # "swap feet": the feet, but "switch sides" or "positions" names no part
            named = match.group("part2").lower()
            part = None if named.startswith(("side", "position")) else named
        named_side = match.group("side") or match.group("side6") or match.group("side7")
        part = part or match.group("part11") or match.group("part12")
        side = named_side.lower() if named_side else None
        if match.group("side5"):
            side, part = match.group("side5").lower(), match.group("part8").split()[0]
        if match.group("from") or match.group("to"):  # "Left leg: same as the right."
            named = match.group("part5") or match.group("lpart")
            part = named if named and re.fullmatch(_PAIRED, named, re.IGNORECASE) else None
            if match.group("label"):
                side = match.group("label").lower()
            elif match.group("from"):
                wording = text[match.start() : match.end()].lower()
                named_side = match.group("from").lower()
                side = other_side(named_side) if " as " in wording else named_side
        return SideCue("mirror", side, _singular(part), match.group(0))
    match = _SWITCH_TO.search(text)
    if match:
        side = (match.group("side") or match.group("side2") or match.group("side3")).lower()
        part = match.group("part") or match.group("part2") or match.group("part3")
        return SideCue("switch", side, _singular(part), match.group(0))
    match = _EACH.search(text)
    if match:
        part = match.group("part") or match.group("part2") or match.group("part3") or match.group("part5")
        return SideCue("each", None, _singular(part), match.group(0))
    return None


_PLURALS = {"feet": "foot", "sides": "side", "hands": "hand", "legs": "leg", "arms": "arm"}


def _singular(word: str | None) -> str | None:
    if not word:
        return None
    word = word.lower()
    if word in _PLURALS:
        return _PLURALS[word]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


_TOOL = re.compile(
    r"\b(?:with|using|in|into|by|from|through)\s+(?:your|my|the|one|a)\s+$"
    r"|\b(?:thumbs?|fingers?|fingertips|knuckles?|heel)\s+of\s+(?:your|my|the|one)\s+$"
    r"|\bbetween\s+(?:your|my|the)\s+$",
    re.IGNORECASE,
)
_TOOL_PARTS = frozenset(["hand", "thumb", "thumbs", "fingers", "finger", "fist", "palm", "knuckles", "fingertips"])


_PLACED_DIGIT = re.compile(r"\b(?:put|place|rest|set|use|lay)\s+(?:your|my|the)\s+$", re.IGNORECASE)


def _is_tool(text: str, match: re.Match[str]) -> bool:
    """ "with your left thumb", "in your left palm": the hand doing the work, not the part worked."""
    part = (match.group(2) or "").lower()
    before = text[max(0, match.start() - 24) : match.start()]
    if _PLACED_DIGIT.search(before) and part in ("thumb", "thumbs", "finger", "fingers", "fingertips", "knuckles"):
        return True  # "Put your right thumb on the point": the thumb presses, the wrist is worked
    if _WHERE_ON_THE_HAND.search(text[max(0, match.start() - 60) : match.start()]):
        return False  # "the web between the thumb and index finger of the left hand": the place worked
    return bool(_TOOL.search(before)) and part in _TOOL_PARTS


_WHERE_ON_THE_HAND = re.compile(
    r"\b(?:between|web|webbing|crease|knuckle of|base of|tip of)\b[^.,;:]{0,40}?(?:thumbs?|fingers?)\s+of\s+"
    r"(?:your|my|the|one)\s+$",
    re.IGNORECASE,
)


_DETERMINER_BEFORE = re.compile(r"\b(?:the|your|my|his|her|their|one's|a|an|each|this|that)\s+$", re.IGNORECASE)
_ADVERB_AFTER = re.compile(
    r"\s+(?:where|there|here|behind|below|above|under|underneath|beneath|next|between|beside|along|before|after|"
    r"now|away|at|into|in|on|up|down|through|over|against|by|off|round|around|across)\b",
    re.IGNORECASE,
)


def _is_adverb(text: str, match: re.Match[str]) -> bool:
    """ "right where the muscle attaches", "right in the middle", "all right": not a side. The
    test is the same for "left", so that mirroring twice gives the text back."""
    before = text[max(0, match.start() - 8) : match.start()]
    if re.search(r"\ball\s+$", before, re.IGNORECASE):
        return True
    # "work right to left", "from left to right": a direction, not a side
    if re.match(r"\s+to\s+(?:the\s+)?(?:left|right)\b", text[match.end(1) :], re.IGNORECASE):
        return True
    if re.search(r"\b(?:left|right)\s+to\s+(?:the\s+)?$", text[max(0, match.start() - 16) : match.start()], re.I):
        return True
    if _BOTH_NAMED.match(text, match.end(1)) or _BOTH_NAMED_BEFORE.search(
        text[max(0, match.start() - 16) : match.start()]
    ):
        return True  # "look up, down, left and right", "the left and right temples": both, or a direction
    if re.match(r"[- ](?:angled?|angles|handed)\b", text[match.end(1) :], re.IGNORECASE):
        return True  # "at a right angle", "if you are left-handed"
    return not _DETERMINER_BEFORE.search(before) and bool(_ADVERB_AFTER.match(text, match.end(1)))


_DIRECTION = r"(?:left|right|up|down|forwards?|backwards?)"
_BOTH_NAMED = re.compile(rf"\s*(?:,|\s(?:and|or))\s*(?:then\s+)?(?:the\s+)?{_DIRECTION}\b", re.IGNORECASE)
_BOTH_NAMED_BEFORE = re.compile(rf"\b{_DIRECTION}\s*(?:,|\s(?:and|or))\s*(?:then\s+)?(?:the\s+)?$", re.IGNORECASE)


# Done on both sides at once, or on the body's middle: "bend both knees", "the breastbone"
BOTH_AT_ONCE = re.compile(
    r"\bboth (?:legs|arms|knees|feet|hands|sides|shoulders|hips|heels|elbows)\b|\bmidline\b|\bno sides?\b"
    r"|\b(?:lie|lying) (?:flat )?on your (?:back|front|stomach)\b|\beither side of\b"
    r"|\b(?:between the eyebrows|navel|breastbone|sternum|chin|upper lip|top of (?:the|your) head|crown)\b",
    re.IGNORECASE,
)
# The same, or a centre, which may be of one foot ("the centre of the arch"): no sides to a rule
SYMMETRIC = re.compile(rf"{BOTH_AT_ONCE.pattern}|\bcent(?:re|er)\b", re.IGNORECASE)


def worked_sides(text: str) -> list[re.Match[str]]:
    """Each "left" or "right" that names a side worked on, with the word after it: not the hand
    doing the work ("with your left thumb") and not a direction ("right to left")."""
    matches = re.finditer(r"\b(left|right)\b(?:[- ](\w+))?", text, re.IGNORECASE)
    return [m for m in matches if not _is_tool(text, m) and not _is_adverb(text, m)]


def first_side(text: str) -> tuple[str, str | None] | None:
    """The side a sentence works on and the word after it: ("right", "foot").

    "Support your right foot with your left hand": the hand doing the work ("with your left
    hand") is the tool, not the side; the first side named otherwise is the one worked on.
    """
    worked = worked_sides(text)
    if not worked:
        return None  # only the working hand is named: the side worked on is unchanged
    # "Put your right hand on your left shoulder": a hand named first, then the part it works on
    if len(worked) > 1 and (worked[0].group(2) or "").lower() in _TOOL_PARTS:
        worked = worked[1:]
    match = worked[0]
    part = match.group(2)
    if part and part.lower() in ("side", "sides", "and", "or", "to", "of", "then"):
        part = "side" if part.lower().startswith("side") else None
    return match.group(1).lower(), _singular(part)


def mirror_text(text: str) -> str:
    """Swap left and right, keeping case: mirroring twice gives the text back."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if _is_adverb(text, match):
            return word
        other = "right" if word.lower() == "left" else "left"
        if word.isupper():
            return other.upper()
        if word == word.capitalize():
            return other.capitalize()
        return other if word.islower() else word  # "LefT": no case to carry over, and none to guess

    return _SIDE_WORD.sub(swap, text)


def now_the(side: str | None, part: str | None) -> str:
    """How a change of side is announced: "Now the left foot.", "Now the other side."."""
    return f"Now the {side or 'other'} {part or 'side'}."


def other_side(side: str) -> str:
    return "left" if side == "right" else "right"
