"""The words the prompt coach (coach.py) looks for, as frozensets of normalised phrases.

A phrase is one to three words, lower case, split where `WORD` splits a prompt (so
"close-up" is "close up" and "bird's-eye" is "bird s eye"); the coach matches them
against the prompt's words, pairs and triples. Verbs are listed once in their base form
and stored with their forms ("ride": rides, riding, rided...: a form no one writes does
no harm), nouns with their plurals. Everything is built once, when the coach is first
imported (about two milliseconds).
"""

from __future__ import annotations

import re

__all__ = [
    "AUDIO",
    "CAMERA",
    "CUT",
    "EMOTION",
    "LANDSCAPE",
    "LIGHT",
    "MOTION",
    "PLACE",
    "PORTRAIT",
    "SPEECH",
    "SPOKEN",
    "WORD",
    "WRITTEN",
]

# Letters and digits of any script: "flambéing" is one word, "neon-lit" two.
WORD = re.compile(r"[^\W_]+")
_VOWELS = frozenset("aeiou")


def _split(text: str) -> list[list[str]]:
    return [WORD.findall(item.lower()) for item in text.split(",") if item.strip()]


def phrases(text: str) -> frozenset[str]:
    """Comma-separated phrases, normalised."""
    return frozenset(" ".join(words) for words in _split(text))


def _inflect(verb: str) -> set[str]:
    forms = {verb, verb + "s", verb + "es", verb + "ed", verb + "ing"}
    if verb.endswith("ie"):
        forms.add(verb[:-2] + "ying")
    elif verb.endswith("e") and not verb.endswith(("ee", "oe", "ye")):
        forms |= {verb[:-1] + "ing", verb + "d"}
    if verb.endswith("y") and verb[-2:-1] not in _VOWELS:
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    if len(verb) > 2 and verb[-1] not in "aeiouwxy" and verb[-2] in _VOWELS and verb[-3] not in _VOWELS:
        forms |= {verb + verb[-1] + "ing", verb + verb[-1] + "ed"}  # run -> running
    return forms


def verbs(text: str) -> frozenset[str]:
    """Comma-separated verbs or verb phrases ("take off"), with the first word's forms."""
    return frozenset(" ".join([form, *rest]) for first, *rest in _split(text) for form in _inflect(first))


def gerunds(text: str) -> frozenset[str]:
    """Verbs that are also common nouns (a watch, a fish): only their -ing form counts."""
    return frozenset(f for (verb,) in _split(text) for f in _inflect(verb) if f.endswith("ing"))


def nouns(text: str) -> frozenset[str]:
    """Comma-separated nouns, with plurals (a phrase's last word takes the plural)."""
    out: set[str] = set()
    for words in _split(text):
        *head, last = words
        plural = last[:-1] + "ies" if last.endswith("y") and last[-2:-1] not in _VOWELS else last + "s"
        out |= {" ".join([*head, last]), " ".join([*head, plural]), " ".join([*head, last + "es"])}
    return frozenset(out)


# ------------------------------------------------------------------------- the lists
# Shot types and camera moves: the template's [shot type] and [camera movement].
_SHOTS = """shot, shots, close up, closeup, close ups, extreme close up, medium shot, wide shot,
long shot, full shot, cowboy shot, two shot, insert shot, establishing shot, aerial, drone,
fpv, pov, point of view, over the shoulder, bird s eye, worm s eye, overhead, top down,
low angle, high angle, dutch angle, eye level, wide angle, fisheye, macro, camera, handheld,
steadicam, gimbal, tracking, dolly, whip pan, slow pan, crane shot, crane rise, crash zoom,
dolly zoom, rack focus, focus pull, long take, single take, time lapse, timelapse,
hyperlapse, follow cam, handheld follow, locked off, static shot"""
_CAMERA_MOVES = """push in, pull back, pull out, zoom, pan left, pan right, pan across, pan over,
pan up, pan down, pan to, tilt up, tilt down, crane up, crane down, crane over, orbit,
arc around, truck left, truck right, dolly in, dolly out"""

# Action verbs: the template's [action]. Static verbs (sit, stand, sleep) are left out.
_ACTIONS = """walk, run, jog, sprint, dash, race, ride, drive, fly, soar, glide, swoop, dive,
swim, surf, skate, ski, climb, jump, leap, hop, skip, bounce, dance, spin, twirl, twist,
turn, roll, tumble, fall, slide, slip, crawl, creep, sneak, stride, march, stroll, wander,
stumble, hurry, rush, chase, flee, escape, follow, push, pull, drag, lift, raise, carry,
throw, toss, catch, kick, punch, hit, strike, swing, wave, reach, grab, hug, embrace, kiss,
shake, nod, kneel, lean, stretch, blink, wink, smile, grin, laugh, cry, weep, sob, scream,
shout, whisper, speak, say, talk, sing, clap, cheer, look, glance, stare, gaze, peer, slam,
knock, pour, stir, chop, cook, flip, bake, flambé, sizzle, eat, sip, taste, bite, chew,
feed, sniff, lick, stroke, write, read, play, strum, pluck, tap, build, sew, knit, repair,
dig, pick, gather, search, explore, hunt, steer, cycle, accelerate, drift, float, hover,
sway, wobble, tremble, shiver, quiver, flutter, flap, flicker, sparkle, shimmer, burn,
blaze, explode, burst, shatter, crash, collapse, crumble, melt, drip, splash, spray, flow,
ripple, surge, swirl, churn, billow, rise, bloom, blossom, grow, sprout, unfold, emerge,
appear, vanish, disappear, fade, transform, morph, move, travel, approach, arrive, leave,
enter, exit, pass, roam, prowl, stalk, pounce, graze, gallop, trot, slither, waddle,
scurry, scamper, peck, nibble, howl, roar, growl, purr, fight, wrestle, duel, shoot, aim,
launch, rotate, revolve, lunge, dodge, weave, juggle, balance, perform, breathe, wake,
wash, wipe, scrub, sweep, cradle, greet, celebrate, tiptoe, pace, skid, swerve, speed,
whirl, cascade, smash, snap, peel, unwrap, wrap, fold, dangle, spill, scatter, sprinkle,
hurl, fling, blow, knead, serve, gulp, hold, put, insert, adjust, assemble, attach,
arrange, fill, shape, mold, carve, sculpt, polish, sharpen, weld, tie, tug, take flight,
take off, lift off, sit down, stand up, get up, lie down, wake up"""
# Verbs that are also everyday nouns (a watch, a drink): only "watching" counts.
_NOUN_VERBS = """watch, fish, water, train, plant, row, box, duck, dress, rock, fire, drum, land,
point, model, pet, open, close, slice, fry, drink, brush, comb, paint, sail, paddle, pedal,
brake, bob, bow, sink, circle, toast, whisk, spiral, type, place"""

# Where it happens: the template's [environment].
_PLACES = """room, kitchen, bedroom, bathroom, living room, office, studio, classroom, library,
hallway, corridor, staircase, attic, basement, garage, warehouse, factory, workshop, lab,
laboratory, hospital, church, cathedral, temple, shrine, castle, palace, mansion, house,
home, apartment, cabin, hut, barn, farm, tent, camp, campsite, restaurant, cafe, café,
diner, bar, pub, club, nightclub, shop, store, market, bazaar, mall, bakery, station,
platform, subway, metro, airport, hangar, harbor, harbour, port, dock, pier, marina,
bridge, tunnel, road, highway, street, alley, alleyway, avenue, boulevard, sidewalk,
crosswalk, square, plaza, park, garden, playground, stadium, arena, court, meadow,
pasture, prairie, vineyard, orchard, forest, wood, woodland, jungle, rainforest, grove,
clearing, swamp, marsh, river, stream, creek, lake, pond, waterfall, ocean, sea, beach,
shore, coast, coastline, cliff, cove, bay, island, reef, seabed, desert, dune, canyon,
valley, mountain, mountainside, hill, hillside, peak, summit, glacier, tundra, volcano,
cave, cavern, rooftop, roof, balcony, terrace, porch, city, town, village, neighborhood,
neighbourhood, suburb, downtown, skyline, countryside, wilderness, planet, galaxy, nebula,
sky, horizon, stage, theater, theatre, museum, gallery, courtyard, cemetery, graveyard,
ruin, battlefield, spaceship, spacecraft, cockpit, car, bus, boat, ship, deck, submarine,
elevator, rink, pool, gym, runway, backstage, arcade, casino, hotel, lobby, penthouse,
loft, greenhouse, fountain, lighthouse, windmill, tower, skyscraper, windowsill, table,
desk, bed, sofa, couch, snowfield, ice, snow, water, pavement, sand, grass, world,
landscape, cityscape, seascape, interior, exterior, tavern, inn, saloon, cellar, dungeon,
chamber, hall, ballroom, dining room, throne room, lounge, cafeteria, canteen, chapel,
monastery, mosque, pagoda, ranch, stable, quarry, mine, oasis, savanna, savannah, steppe,
plateau, fjord, lagoon, estuary, bayou, riverbank, lakeside, seaside, waterfront,
boardwalk, promenade, parking lot, gas station, laundromat, bookstore, bookshop, dorm,
locker room, cubicle, boardroom, courtroom, prison, jail, barracks, trench, bunker,
space station, train, carriage, tram, taxi, truck, van, plane, airplane, jet, yacht,
canoe, raft, kayak"""
# Not "field" alone, which would find "depth of field".
_PLACE_PHRASES = """space, outer space, underwater, indoors, outdoors, outside, inside, midair,
mid air, fields, a field, the field, open field, wheat field, flower field, rice field"""

# The template's [lighting] (time of day and weather set the light too).
_LIGHT = """light, lights, lighting, lit, backlit, backlight, sunlight, moonlight, starlight,
candlelight, lamplight, firelight, daylight, twilight, neon, glow, glowing, glows, shadow,
shadows, silhouette, silhouetted, golden hour, blue hour, magic hour, sunrise, sunset, dusk,
dawn, daybreak, night, nighttime, midnight, noon, midday, overcast, sunny, sunlit, moonlit,
candlelit, dim, dimly, bright, dark, darkness, gloomy, hazy, haze, fog, foggy, mist, misty,
volumetric, rays, sunbeams, god rays, spotlight, spotlit, floodlit, fluorescent,
incandescent, lantern, lanterns, torchlight, candles, chiaroscuro, high key, low key,
rim light, soft light, hard light, harsh, golden, sun, moon, stars, storm, stormy, cloudy,
reflections, lens flare, bokeh, lamp, lamps"""

# Sounds: the template's [audio cue].
_SOUNDS = """sound, sounds, audio, music, musical, song, songs, soundtrack, score, melody, tune,
beat, beats, rhythm, ambient, ambience, ambiance, noise, noises, silence, silent, quiet,
echo, echoes, voice, voices, voiceover, voice over, narration, narrator, dialogue, dialog,
footsteps, thunder, birdsong, jazz, piano, guitar, violin, cello, drums, bass, orchestra,
orchestral, choir, synth, lo fi, hip hop, sfx, foley, applause, laughter, bells, siren,
sirens, engine roar, heartbeat, white noise, radio, muffled, faint, deafening, hushed,
audible, soundscape, acoustic"""
_SOUND_VERBS = """hum, buzz, crackle, sizzle, hiss, whoosh, rumble, roar, thud, thump, bang,
boom, clang, clank, clatter, rattle, creak, squeak, click, chime, honk, whistle, clap, cheer,
chirp, tweet, laugh, giggle, chatter, murmur, whisper, shout, scream, yell, sigh, gasp,
splash, crunch, rustle, purr, meow, howl, growl, neigh, sing, patter, beep, snore, crash,
chant, strum, cry, caw, coo, croak, quack, squawk, screech, rev, sob, wail"""
_NOUN_SOUNDS = "ring, tick, drip, bark, pop, lap, call, crow, bubble"  # ringing, not a ring

# Someone speaks: the line belongs in quotes.
_SPEECH_VERBS = """say, speak, talk, tell, ask, whisper, shout, yell, exclaim, reply, announce,
mutter, murmur, declare, narrate, call out, cry out"""
# Quoted text near these words is written (a sign, a caption), not spoken.
_WRITTEN = """sign, signs, signboard, text, caption, title, titles, logo, label, labeled,
labelled, banner, poster, headline, lettering, graffiti, inscription, written, reads,
reading, engraved, printed, typography, subtitle, subtitles, billboard, t shirt, screen"""

# How a line is delivered: the speaker's emotion, or a manner of speaking.
_EMOTIONS = """happy, happily, sad, sadly, angry, angrily, joyful, joyfully, tearful,
tearfully, nervous, nervously, excited, excitedly, calm, calmly, gentle, gently, soft,
softly, warm, warmly, cheerful, cheerfully, furious, furiously, frightened, scared, anxious,
anxiously, determined, proud, proudly, confident, confidently, shy, shyly, playful,
playfully, sarcastic, sarcastically, bitter, bitterly, wistful, wistfully, tender,
tenderly, desperate, desperately, relieved, surprised, shocked, solemn, solemnly, serious,
seriously, eager, eagerly, hopeful, hopefully, nostalgic, melancholic, mournful,
triumphant, triumphantly, breathless, breathlessly, hesitant, hesitantly, stern, sternly,
cold, coldly, quiet, quietly, loud, loudly, fierce, fiercely, smug, smugly, grim, grimly,
amused, annoyed, terrified, heartbroken, overjoyed, emotional, emotion, tears, teary,
trembling voice, shaky voice, deadpan, mocking, awe, lovingly, fondly, urgently, urgent,
panicked, weary, wearily"""
_MANNERS = """whisper, shout, yell, scream, sob, laugh, cry, mutter, murmur, exclaim, stammer,
stutter, sigh, giggle, grin, smile, frown, smirk, beam, chuckle, snap, plead, beg"""

# Composition words the guide pairs with an aspect ratio.
_PORTRAIT = """portrait, portraits, selfie, selfies, headshot, vertical video, vertical frame,
vertical format, tiktok, instagram story, youtube shorts, reels"""
_LANDSCAPE = """landscape, landscapes, panorama, panoramas, panoramic, vista, vistas,
establishing, establishing shot, cityscape, seascape, skyline, sweeping view"""

# ------------------------------------------------------------------------- the sets
CAMERA = phrases(_SHOTS) | verbs(_CAMERA_MOVES)
MOTION = verbs(_ACTIONS) | gerunds(_NOUN_VERBS) | phrases("flight, motion, movement")
PLACE = nouns(_PLACES) | phrases(_PLACE_PHRASES)
LIGHT = phrases(_LIGHT)
AUDIO = phrases(_SOUNDS) | verbs(_SOUND_VERBS) | gerunds(_NOUN_SOUNDS)
SPEECH = verbs(_SPEECH_VERBS) | phrases("dialogue, dialog, narrator, voiceover, voice over, monologue")
SAY = verbs("say")  # "a sign that says": weaker evidence of speech than the others
SPOKEN = SPEECH - SAY
WRITTEN = phrases(_WRITTEN)
EMOTION = phrases(_EMOTIONS) | verbs(_MANNERS)
PORTRAIT = phrases(_PORTRAIT)
LANDSCAPE = phrases(_LANDSCAPE)
CUT = phrases("cut to, cuts to")  # each one starts a new shot
