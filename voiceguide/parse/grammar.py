"""What a sentence asks of the listener: whether it is an instruction (an imperative, possibly
after fillers, an opening clause or a spoken preamble), what kind of step it makes (press,
massage, hold, breath, rest or position), and the advice, conditions and habits that are not
instructions at all.
"""

from __future__ import annotations

import re

from voiceguide import lexicon
from voiceguide.parse.breath import find_pattern
from voiceguide.parse.words import all_lemmas, is_base_verb, is_third_person, lemma, lemmas, verb_lemma

IMPERATIVE = lexicon.ALL_VERBS


FILLER = {
    "now",
    "then",
    "next",
    "first",
    "firstly",
    "second",
    "secondly",
    "third",
    "finally",
    "lastly",
    "also",
    "and",
    "gently",
    "slowly",
    "firmly",
    "carefully",
    "softly",
    "lightly",
    "again",
    "afterwards",
    "after",
    "that",
    "simply",
    "just",
    "please",
    "to",
    "once",
    "so",
    # First-person accounts ("Then I press the knot for thirty seconds") describe the same
    # actions: the pronoun and its habitual adverbs stand in front of the verb like fillers.
    "i",
    "usually",
    "always",
    "normally",
    "often",
}


_NOT_INSTRUCTION_START = re.compile(
    r"^(?:did|do you|does|is|are|was|were|it|this|these|those|that|there|here|all|hence|many|most|some|"
    r"studies|research|according|because|although|though|while|when you|if you|you will|you'll|you may|"
    r"you might|your|the|a|an|our|we|i|he|she|they|people|practitioners|reflexology|acupressure|"
    r"massage is|massaging|by)\b",
    re.IGNORECASE,
)


_ADVISORY = re.compile(
    r"^(?:you (?:should|can|could|need to|want to|have to|must)|try to|be sure to|make sure)\b", re.IGNORECASE
)


_EASE_PRESSURE = re.compile(
    r"\b(?:decrease|reduce|ease|release|lighten|relax|let go of)\s+(?:the\s+|your\s+)?pressure\b", re.IGNORECASE
)


_HOLD_VERB = re.compile(
    r"\bhold\b(?=\s*(?:$|[,.;]|for\b|it\b|this\b|that\b|there\b|here\b|still\b|steady\b"
    r"|the (?:stretch|pose|position|tension|pressure|point)\b|your breath\b))",
    re.IGNORECASE,
)


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z'\-]*", text.lower())


def leading_verb(text: str) -> str | None:
    """The first word after fillers and an opening clause ("Starting at your toe, press…")."""
    candidates = [text]
    if "," in text[:60]:
        candidates.append(text.split(",", 1)[1])
    for candidate in candidates:
        for word in words_of(candidate)[:4]:
            if word in FILLER:
                continue
            return word
    return None


# Words that follow an imperative verb: its object's determiner, a particle or an adverb.
_VERB_OBJECT = frozenset(
    [
        "your",
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "it",
        "them",
        "both",
        "each",
        "one",
        "two",
        "three",
        "some",
        "all",
        "up",
        "down",
        "in",
        "on",
        "out",
        "off",
        "back",
        "into",
        "onto",
        "over",
        "through",
        "gently",
        "slowly",
        "firmly",
        "softly",
        "to",
        "with",
        "for",
        "yourself",
        "around",
        "along",
        "across",
        "away",
        "together",
        "apart",
        "forward",
        "backward",
    ]
)


# "Hands: make a fist." A short label before a colon names the part, not the action.
LABEL = re.compile(
    r"^\s*(?:(?:[A-Za-z][\w'-]*\s*){1,4}:|(?:[A-Za-z][\w'+-]*,?\s+){1,6}[-–—])\s+(?=\S)"
    r"|^\s*[A-Z][\w '’()-]{0,40}?\.?[–—]\s*(?=[A-Z])"  # an old book's "Knee-bending.—Stand with…"
)


_SPOKEN_LEAD = re.compile(
    r"^(?:(?:okay|ok|alright|all right|so|and|now|well|next up|then|from there|from here|after that|first|"
    r"next|finally)[,\s]+)*"
    r"(?:(?:what\s+)?(?:we're|we are|you're|you are|i'm|i am|we'll|you'll)\s+(?:gonna|going to|want to|wanna)\s+"
    r"(?:do\s+(?:first|next|now\s+)?\s*is\s+)?|what i (?:like|want|love) to do (?:here |next |now )?is\s+|"
    r"i (?:want|would like|'d like) you to\s+|go ahead and\s+|let's\s+|let us\s+"
    # a clinician's page: "Have the patient hold…", "Instruct the patient to sit…", "Have them repeat…"
    r"|(?:from this position\s+|then\s+)?(?:have|ask|instruct|tell|get)\s+(?:the\s+)?(?:patient|client|them|him|her)"
    r"\s+(?:to\s+)?|(?:the\s+)?(?:patient|client)\s+is\s+(?:then\s+)?(?:instructed|asked|told)\s+to\s+"
    # "we will inhale for a count of four" (not "you will feel…")
    r"|(?:we|you)(?:'ll|\s+will)\s+(?:now\s+|then\s+|gently\s+|slowly\s+)?"
    r"(?!(?:be|feel|notice|need|find|have|see|get|want|probably|likely|also|start to)\b))(?:just\s+)?",
    re.IGNORECASE,
)


ADVICE_LABEL = re.compile(
    r"^\s*(?:(?:pro|top|quick|bonus)\s+)?(?:tips?|notes?|nb|caution|warning|important|disclaimer|remember|"
    r"safety(?: first)?|precautions?|contraindications?|reminder|fyi|how (?:it|this) works|why (?:it|this) works|"
    r"benefits?|background|what you(?:'ll)? need|you(?:'ll| will)? need|equipment|the idea|the science|"
    r"good to know|did you know|total time|time needed|time required|duration|"
    r"(?:a\s+)?(?:good\s+|healthy\s+|simple\s+|daily\s+)?habits?)\s*[:–—-]\s",
    re.IGNORECASE,
)


_DONT = re.compile(r"^\W*(?:do not|don't|dont|never|avoid)\b", re.IGNORECASE)
_SPEAKER = re.compile(r"^\W*(?:let me|allow me)\b", re.IGNORECASE)
_DOSE_WORDS = frozenset(
    [
        "hold",
        "holds",
        "each",
        "per",
        "side",
        "sides",
        "leg",
        "arm",
        "for",
        "about",
        "or",
        "x",
        "reps",
        "rep",
        "repetitions",
        "sets",
        "set",
        "of",
        "with",
        "rest",
        "and",
        "in",
        "deep",
        "slow",
        "breaths",
        "breath",
        "times",
        "to",
    ]
)


def _only_a_dose(text: str) -> bool:
    """ "30 seconds / 5 deep breaths", "10 reps each side": times and counts, nothing else."""
    found = [*lexicon.find_durations(text), *filter(None, [lexicon.find_repeat(text)])]
    for each in found:
        text = text.replace(each.phrase, " ")
    return bool(found) and all(w in _DOSE_WORDS for w in words_of(text))


def _states(words: list[str]) -> bool:
    """ "Coherent breathing involves…", "Research shows that…": a subject and a verb of its own
    in the first few words; not a verb of the routine ("Heel slides 10 s") nor a plural noun
    ("Walking hands up the wall", "8 counts")."""
    for at, word in enumerate(words[1:4], start=1):
        verb = is_third_person(word) and (verb_lemma(word) or "") not in lexicon.ALL_VERBS
        if verb and ("NOUN" not in lemmas(word) or words[at + 1 : at + 2] == ["that"]):
            return True
    return False


def is_instruction(text: str, from_list: bool) -> bool:
    """Imperative sentences and list items ask for action; questions and explanations do not."""
    stripped = text.strip()
    if stripped.endswith("?"):
        return False
    if stripped.endswith("!") and not lexicon.find_durations(stripped):
        return False  # "Enjoy your day!": encouragement, nothing to time
    words = words_of(stripped)
    if not words:
        return False
    if ADVICE_LABEL.match(stripped):
        return False  # "Tip: keep your nails short": advice, spoken where it stands, not timed
    if (_DONT.match(stripped) or _SPEAKER.match(stripped)) and not lexicon.find_durations(stripped):
        return False  # "Do not force any position.": a caution; "Let me explain…": the speaker
    dose = LABEL.match(stripped)
    if dose and _only_a_dose(stripped[dose.end() :]):
        return True  # "Couch stretch – 30 seconds / 5 deep breaths": a named exercise and its dose
    stripped = _SPOKEN_LEAD.sub("", stripped) or stripped  # "Okay so what we're gonna do first is just sit up"
    words = words_of(stripped) or words
    label = LABEL.match(stripped)
    if label and [w for w in words_of(label.group(0)) if w not in FILLER][:1] in ([v] for v in IMPERATIVE):
        return True  # "Now begin coherent breathing: 5.5 seconds in, 5.5 seconds out"
    stripped = LABEL.sub("", stripped)
    words = words_of(stripped) or words
    told = words[0] in IMPERATIVE  # "Stand tall, like I showed you, and lift your chest."
    if (
        not told
        and _FIRST_PERSON.match(stripped)
        and not (lexicon.find_durations(stripped) or lexicon.find_repeat(stripped))
    ):
        return False  # "I practice them occasionally.", "After a session I usually feel…": the writer's own
    lead = [w for w in words if w not in FILLER and not _adverb(w)] or words  # "Tightly screw up the eyes"
    first = lead[0]
    if (first in IMPERATIVE or words[0] in IMPERATIVE) and not _SUBJECT_FIRST.match(stripped):
        return True
    if _described(stripped):
        return True
    if _ADVISORY.match(stripped):
        return bool(lexicon.find_durations(stripped) or lexicon.find_repeat(stripped))
    # "Starting at your toe, press…", "When you are ready, open your eyes": an opening phrase, then the verb
    opening = re.match(_OPENING, stripped, re.IGNORECASE)
    if opening or not _NOT_INSTRUCTION_START.match(stripped):
        for clause in re.split(r"[,;:]\s*", stripped)[1:4]:
            later = [w for w in words_of(clause) if w not in FILLER]
            if later and later[0] in IMPERATIVE:
                return True
    if opening and _after_a_phrase(words):
        return True  # "With both hands press with your fingers…": the opening phrase without its comma
    timed = lexicon.find_durations(stripped) or lexicon.find_repeat(stripped)
    if from_list and timed and not TAKES.search(stripped) and not _states(words):
        return True  # "Scalp scrub with your fingertips (30 seconds)", a chart's row: a list item with a time
    if _NOT_INSTRUCTION_START.match(stripped):
        return False
    # An unlisted verb ("Decrease the pressure…", "Direct your attention…"): the sentence speaks to
    # the reader and opens with a word that is not a noun, gerund or adverb followed by a verb.
    second = lead[1] if len(lead) > 1 else ""
    looks_verb = is_base_verb(first) and second in _VERB_OBJECT
    addressed = bool(re.search(r"\b(?:your|yourself|you)\b", stripped, re.IGNORECASE))
    return looks_verb and (addressed or from_list)


# The writer telling of themselves within the first few words; not "I want you to…" nor "as I count"
_FIRST_PERSON = re.compile(
    r"^\W*(?:(?!(?:while|as|until|and|when|if|before|whilst|so|then)\b)[A-Za-z']+[\s,]+){0,4}?(?-i:I)\s+"
    r"(?!(?:want|would|'d|invite|ask|encourage|recommend|suggest)\b)",
    re.IGNORECASE,
)
# "Tense muscles are a common reaction", "Press points can be sore": a noun phrase and its verb,
# not an imperative
_SUBJECT_FIRST = re.compile(
    r"^\W*[a-z]+(?:[\s-]+(?!(?:your|the|a|an|this|that|it|them|each|both|up|down|in|on|out|back)\b)[a-z]+){1,2}\s+"
    r"(?:is|are|was|were|has|have|can|could|will|may|might|should|does|do|help|helps|mean|means|make|makes)\b",
    re.IGNORECASE,
)
# A description of what to do ("You then press the point…", "The patient lies on the back…",
# "It requires that you press your thumb…"): the verb after its subject.
_DESCRIBED = re.compile(
    r"(?:^|[;:]\s*)(?P<subject>you|they)\s+(?:(?:then|now|just|simply|gently|slowly|first|next|also|carefully|firmly|again)\s+)*"
    r"(?P<verb>[a-z]+)\b"
    r"|^(?:the|a|each)\s+(?:patient|client|subject|person|participant|student|pupil|reader|user|athlete|individual)"
    r"\s+(?:(?:then|now|first|next|also|slowly|gently)\s+)*(?P<does>[a-z]+)\b"
    r"|\bthat you\s+(?:(?:then|just|simply|gently|firmly)\s+)*(?P<that>[a-z]+)\b",
    re.IGNORECASE,
)
_NOT_DONE = frozenset(
    ["feel", "notice", "sense", "enjoy", "see", "know", "want", "need", "like", "have", "get", "find"]
)


def _described(text: str) -> bool:
    match = _DESCRIBED.search(text)
    if match is None:
        return _done_for_a_time(text)
    verb = (match.group("verb") or match.group("does") or match.group("that")).lower()
    if match.group("that") and not lexicon.find_durations(text):
        return False  # "…so that you breathe more easily": why, not what
    if match.group("does"):
        return is_third_person(verb) and (verb_lemma(verb) or "") in IMPERATIVE
    timed = lexicon.find_durations(text) or lexicon.find_repeat(text)
    if (match.group("subject") or "").lower() == "they" and (not timed or TAKES.search(text)):
        return False  # "They help the muscles relax.", "They take 10 minutes", unlike "They hold for 20 seconds."
    return verb in IMPERATIVE and verb not in _NOT_DONE


# Said of what is done, with its time ("Steady pressure is applied … for one minute", "It is
# pressed with the thumb … for 90 seconds", "…the patient lies quietly for two minutes").
_DONE = re.compile(
    r"\b(?:is|are|be|being|gets?)\s+(?:then\s+|now\s+|gently\s+|slowly\s+|firmly\s+|afterwards\s+|again\s+)?"
    r"(?P<done>[a-z]+(?:ed|en))\b"
    r"|\bthe\s+(?:patient|client|subject|person|participant|therapist|practitioner|reader)\s+(?:then\s+|now\s+)?"
    r"(?P<does>[a-z]+s)\b",
    re.IGNORECASE,
)
_TOO_GENERAL = frozenset(["use", "give", "make", "do", "take", "allow", "keep", "get", "set"])  # "are used in all"
_CLAIM = re.compile(r"^\W*(?:studies|research|evidence|it has been|according|trials?|in one study)\b", re.IGNORECASE)
# what a claim or an explanation says anywhere in it: "…in most studies, which is enough"
_EXPLAINS = re.compile(
    r"\b(?:stud(?:y|ies)|research\w*|evidence|trials?|shown|found that|percent|because|which (?:is|was|has)|"
    r"enough to|in order to|so that|proven|patients|participants)\b",
    re.IGNORECASE,
)


def _done_for_a_time(text: str) -> bool:
    if _CLAIM.match(text) or _EXPLAINS.search(text) or not (lexicon.find_durations(text) or lexicon.find_repeat(text)):
        return False
    for match in _DONE.finditer(text):
        verb = (match.group("done") or match.group("does")).lower()
        if (verb_lemma(verb) or "") in IMPERATIVE - _NOT_DONE - _TOO_GENERAL and (
            match.group("done") or is_third_person(verb)
        ):
            return True
    return False


def _adverb(word: str) -> bool:
    """ "tightly", "abruptly": a manner before the verb."""
    return word.endswith("ly") and "ADV" in lemmas(word) and "VERB" not in lemmas(word)


_PHRASE_WORDS = frozenset(
    ["the", "your", "a", "an", "both", "one", "each", "of", "to", "with", "on", "in", "at", "this"]
)


def _after_a_phrase(words: list[str]) -> bool:
    """A verb of the routine a few words in, after a noun: "with both hands press…"."""
    for at in range(2, min(len(words), 6)):
        if words[at] in IMPERATIVE and is_base_verb(words[at]) and words[at - 1] not in _PHRASE_WORDS:
            return True
    return False


_OPENING = (
    r"^(?:if|when|once|after|before|while|as|starting|beginning|using|with|keeping|sitting|standing|lying|"
    r"holding|placing|at|from|on|in|for|without|still|to|finally|then|next|now|gently|slowly)\b"
)


_TOOL_NOUN = re.compile(
    r"\b(?:massage|tennis|lacrosse|foam|spiky|trigger[- ]point)\s+(?:balls?|rollers?|sticks?|guns?|tools?|oil|"
    r"cream|lotion|mats?|tables?|chairs?|therapists?|cushions?)\b"
)


_WHEN_DONE = re.compile(r"^\W*(?:when|once|after|if|unless)\b[^,:;]*[,:;]")  # "When you have worked through…,"


_IN_BREATHS = re.compile(
    rf"(?:\bfor|/|\bor)\s+(?:about\s+)?(?:{lexicon.NUM}|a(?! few| couple)|one)\s+(?:[a-z]+\s+)?breaths?\b"
)


def kind_of(text: str) -> str:
    """What an instruction asks for: breathing, pressing, massaging or holding wherever it is
    named; otherwise what its leading verb asks (resting, or getting into position)."""
    lowered = _EASE_PRESSURE.sub(" ", _WHEN_DONE.sub(" ", text.lower()))
    lowered = _IN_BREATHS.sub(" ", lowered)  # "Child's pose for 5 breaths": a hold, timed by breathing
    lowered = re.sub(r"\bpress(?:ing)? (?:yourself|up|down|back)\b", " ", lowered)  # getting up, not a press
    lowered = _TOOL_NOUN.sub(" ", lowered)  # "place a massage ball under you": the ball, not the act
    words = {form for word in words_of(lowered) for form in all_lemmas(word)}
    if (
        find_pattern(text)
        or lemma(leading_verb(lowered) or "") in ("breathe", "inhale", "exhale")
        or re.search(
            r"\b(?:take|with|for)\s+(?:[\w,]+\s+){0,3}(?:deep|slow|full|long|calm)\s+(?:\w+\s+)?breaths?\b", lowered
        )
    ):
        return "breath"
    if words & _KIND_WORDS["press"] or re.search(
        r"\b(?:put|apply|add|use) (?:[\w,]+ ){0,3}pressure\b|\bpressure (?:on|to)\b", lowered
    ):
        return "press"
    strokes = re.search(r"\bthumb[- ]walk|\bcircular\b|\bslid(?:e|ing)\b[^.]*\b(?:along|over|up|down)\b", lowered)
    if words & _KIND_WORDS["massage"] or strokes:
        return "massage"
    timed_hold = re.search(r"\d\s*(?:s|secs?|seconds?)\s+holds?\b", lowered)  # a table's "10 sec hold × 5 reps"
    if _HOLD_VERB.search(lowered) or timed_hold or words & {"tense", "tighten", "clench", "contract", "stretch"}:
        return "hold"
    if words & {"inhale", "exhale", "breathe", "breath"}:
        return "breath"  # "Close your right nostril and inhale slowly through the left one"
    lead = lemma(leading_verb(lowered) or "")
    if lead in _KIND_WORDS["rest"] and not re.search(r"\brest (?:your|the|it|them|one|both|each)\b", lowered):
        return "rest"
    return "position"


_KIND_WORDS = dict(lexicon.VERBS_BY_KIND)


_KIND_WORDS["rest"] -= {"continue", "carry", "repeat", "switch", "change"}


_KIND_WORDS["massage"] -= {"thumb"}  # "thumb walk" is a massage; "with your thumb" is not


HABIT = re.compile(
    r"\bevery\s+(?:few\s+|couple of\s+|\d+\s+|[a-z]+\s+)?(?:minutes|hours|days|weeks)\b"
    r"|\bwithin\s+(?:\d+|[a-z]+)\s*(?:min|mins|minutes|hours?)\s+(?:of|after)\b",
    re.I,
)


GENERAL_RULE = re.compile(
    r"\bunless (?:noted|otherwise|stated|told)\b|\b(?:for|in) (?:each|every|all) (?:of )?(?:the |these )?"
    r"(?:stretches|exercises|points|poses|movements)\b",
    re.IGNORECASE,
)


OPTIONAL = re.compile(
    r"\bif (?:you(?:'ve| have)? (?:got |have )?(?:the )?time|you (?:like|want|wish|prefer)|time allows)\b", re.I
)


CONDITION_CLAUSE = re.compile(r"^\s*(?:if|unless)\b[^,:;]*[,:;]", re.IGNORECASE)


# "If your neck still feels tight, …", "If you feel any pain, …": for when something is felt,
# which a recording cannot know, so said and not timed.
WHEN_FELT = re.compile(
    r"^\W*(?:if|unless|should)\b[^,:;.]*?\b(?:feel\w*|felt|hurt\w*|pain\w*|sore\w*|tight\w*|stiff\w*|numb\w*|"
    r"tingl\w*|dizz\w*|light-?headed\w*|uncomfortabl\w*|discomfort|ache\w*|aching|strain\w*|tender\w*|"
    r"still|worse|nause\w*|cramp\w*)\b[^,:;.]*[,:;]",
    re.IGNORECASE,
)


CONDITION = re.compile(
    r"^(?:if|unless|should)\b|\b(?:if|unless) (?:you|it|there|any|anything|the|your)\b", re.IGNORECASE
)


FREQUENCY = re.compile(
    r"\b(?:every|each|once|twice|\w+ times|\d+\s*x)\s+(?:a\s+|per\s+)?(?:hour|day|morning|evening|night|week)s?\b"
    r"|\b(?:daily|weekly|nightly)\b|\bevery (?:few |couple of )?(?:hours?|days?)\b|\bhour or two\b"
    r"|\bin the (?:morning|evening)\b|\bbefore (?:bed|bedtime|sleep)\b|\bat night\b"
    r"|\bafter (?:meals|eating|dinner|lunch|breakfast)\b"
    r"|\b(?:after|before) (?:a|your|each) (?:walk|run|workout|shower|bath|ride|swim|game|training|shift)\b",
    re.IGNORECASE,
)


TAKES = re.compile(r"\b(?:takes?|lasts?|should take|will take)\b", re.IGNORECASE)

# What comes before a time that says how long the session, the setting or a later goal lasts,
# not how long to hold: "Allow yourself about 10 minutes", "you can do this in about twenty
# minutes", "a quiet place where you can rest undisturbed for 20 minutes", "work up to doing it
# for 5 minutes", "it's only a few minutes".
_SESSION_BEFORE = re.compile(
    r"(?:\b(?:allow|set aside|give yourself|reserve|budget|schedule|block out|you(?:'ll| will)? need|plan (?:on|for))"
    r"(?:\s+(?:yourself|you|about|at least|around|roughly|some|just|only|a good))*"
    r"|\b(?:do|finish|complete|get through)\s+(?:this|it|them|these|all|the (?:whole|entire) \w+)(?:\s+\w+)?\s+in"
    r"|\bset (?:a|an|your) (?:timer|alarm)(?:\s+for)?"
    r"|\b(?:this|(?:the|a|your|one) (?:whole |entire |full )?(?:routine|exercise|session|practice|"
    r"sequence|programme|program|technique|workout|massage|relaxation|meditation|series|treatment))\s+(?:\w+\s+)?"
    r"(?:takes?|lasts?|runs?|goes on|requires|(?:will|should|must|can|needs? to|ought to)\s+(?:take|last))"
    r"(?:\s+(?:beyond|over|under|for|up to|no more than|"
    r"at most|less than))?"
    r"|\b(?:it(?:'s| is)|this is|that's|that is)\s+(?:only|just)"
    r"|\bwhere you (?:can|will|won't|can't|could|are able to)\b[^.;]*"
    r"|\b(?:undisturbed|uninterrupted|without (?:interruption|being disturbed))(?:\s+for)?"
    r"|\bwarm(?:ing)?[- ]up (?:with|by|for)"
    r"|\b(?:work(?:ing)? (?:your way )?up to|build(?:ing)? (?:up )?to|increas\w* (?:\w+ ){0,3}to|progress\w* to|"
    r"eventually|over time|in time|with practice|gradually)\b[^.;]*"
    # a section's length beside its name: "Body Scan Relaxation (5 minutes):", "Routine (daily, 10-15 minutes)"
    r"|\b(?:routine|session|practice|programme|program|sequence|meditation|relaxation|introduction|warm[- ]?up|"
    r"cool[- ]?down|series|workout|class|protocol)\b[^.;:()]{0,40}\((?:[^()]*,)?)"
    r"(?:\s+(?:about|around|roughly|approximately|at least|at most|less than|under|only|just|a total of|"
    r"a maximum of|a minimum of|up to))*\s*$",
    re.IGNORECASE,
)
SESSION_FROM = 30 * 60.0  # seconds: a longer time is how long a practice goes on ("for one hour")


def lasts_the_session(text: str, found: lexicon.Found) -> bool:
    """A time that says how long the session, the setting or a later goal lasts. A press or a
    hold that long stays one, to be refused as a likely slip ("Press the point for 3 hours")."""
    timed = kind_of(text) in ("press", "massage", "hold")
    if found.value > SESSION_FROM and not timed:
        return True
    # How long to practise, said apart from the step: not "Aim for 1 minute." or "Do 3 minutes of
    # this." right after it, which time it, nor a hold, a press or a position said with its time
    practice = found.value >= 60 and not timed and not _TIMES_BEFORE.match(text)
    if practice and _PRACTISE.search(text) and lexicon.TIMES_A_DAY.match(text, found.end):
        return True  # "Try and practise this for 5 to 10 minutes, 3 to 4 times a day."
    if practice and _GOAL_BEFORE.search(text[max(0, found.start - 30) : found.start]):
        return True  # "Stay as long as you like, but aim for 4 minutes."
    if practice and (_OF_THIS.match(text, found.end) or _PROGRESSION.match(text, found.end)):
        return True  # "Start out with just 2 minutes of this", "add on a minute the following week"
    if practice and re.search(r"\bthe\s+$", text[: found.start]) and _PROGRESSION.search(text):
        return True  # "As you feel you have mastered the 2 minutes, add on a minute the following week."
    if _SESSION_AFTER.match(text, found.end):
        return True
    if _UNTIL_EFFECT.match(text, found.end) and _TAKES_BEFORE.search(text[: found.start]):
        return True
    return bool(_SESSION_BEFORE.search(text[max(0, found.start - 80) : found.start]))


_GOAL_BEFORE = re.compile(
    r"\b(?:aim(?:ing)?|try(?:ing)?|shoot(?:ing)?)\s+for\s+(?:about\s+|around\s+|at least\s+|just\s+|only\s+)?$",
    re.IGNORECASE,
)
_TIMES_BEFORE = re.compile(
    r"^\W*(?:(?:then|now|and|so)\s+)*(?:aim for|do|continue|keep (?:going|doing)|repeat|carry on|go on)\b",
    re.IGNORECASE,
)
_PRACTISE = re.compile(r"\bpracti[cs]\w*|\b(?:do|perform|use|repeat)\s+(?:this|it|the exercise)\b", re.IGNORECASE)
_OF_THIS = re.compile(r"\s+of\s+(?:this|it|that|these|the (?:exercise|practice|technique))\b", re.IGNORECASE)
_PROGRESSION = re.compile(
    r",?\s+(?:(?:the following|next|each|every|after a|over the next)\s+(?:week|weeks|month|months)|over time)\b",
    re.IGNORECASE,
)
# What follows a time that is the whole session's: "Spend 10 minutes on this routine."
_SESSION_AFTER = re.compile(
    r"\s+(?:on|for|doing|with)\s+(?:this|the|your)\s+(?:whole\s+|entire\s+|full\s+)?(?:\w+\s+)?"
    r"(?:routine|session|practice|sequence|programme|program|workout|series)\b",
    re.IGNORECASE,
)
# The time it takes to work: "it can take up to five minutes to feel the effect" (not "hold for
# a minute to feel the stretch")
_TAKES_BEFORE = re.compile(r"\b(?:tak(?:e|es|ing)|took|last(?:s|ing)?)\b[^.;]{0,30}$", re.IGNORECASE)
_UNTIL_EFFECT = re.compile(
    r"\s+(?:\w+\s+)?(?:to|before|until)\s+(?:you\s+|it\s+|they\s+)?(?:can\s+)?"
    r"(?:feel|notice|see|work|take effect|kick in|have (?:the|an|its|any) (?:expected |full )?effect)",
    re.IGNORECASE,
)
