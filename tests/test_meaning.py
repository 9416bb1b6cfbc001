"""What a report says happened, and when."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from ewn.config_files import ConfigError
from ewn.meaning.classify import classify
from ewn.meaning.event_time import read_event_time
from ewn.meaning.taxonomy import Taxonomy
from ewn.settings import ROOT

TAXONOMY = Taxonomy.load(ROOT / "config" / "taxonomy.yaml")


@pytest.mark.parametrize(
    ("text", "primary", "victims"),
    [
        ("5 people killed at Molo market last night", "KILLING", 5),
        ("watu watatu wameuawa na wengine wamejeruhiwa", "KILLING", 3),
        ("deux femmes ont été enlevées près de Beni", "ABDUCTION_DETENTION", 2),
        ("قتل ثلاثة رجال قرب السوق", "KILLING", 3),
        ("gunmen shot two herders and took 200 cattle", "ARMED_ATTACK", 2),
        ("a girl was raped by three men on her way to the well", "SEXUAL_VIOLENCE", 3),
        ("leaflets telling us to leave or be killed", "THREAT_INTIMIDATION", None),
        ("vijana wanakusanya silaha na kula kiapo usiku", "ARMS_MOBILIZATION", None),
        ("police fired teargas at protesters in town", "PROTEST_REPRESSION", None),
        ("aid convoy blocked and the food trucks looted", "HUMANITARIAN_OBSTRUCTION", None),
        ("Kiamaiko karao wamemmaliza boda msee sasa hivi", "KILLING", None),
        ("Nyalenda mob justice, msee amechomwa juu ya simu", "KILLING", None),
        ("kitengela mob has finished a thief near namanga road", "KILLING", None),
        ("Kariobangi jana usiku mob imemaliza msee", "KILLING", None),
        ("a schoolgirl was taken from her home for forced marriage", "ABDUCTION_DETENTION", None),
        ("polisi wanarusha vitoza machozi kwa wanaoandamana", "PROTEST_REPRESSION", None),
        ("هربت مئات العائلات من بيوتها", "DISPLACEMENT", None),
        ("توقف توزيع الغذاء في المخيم", "HUMANITARIAN_OBSTRUCTION", None),
        # Euphemisms: "eaten iron" (shot), lives "cut short", "dishonoured".
        ("wasee wawili wamekula chuma wakaenda, ng'ombe zimehepeshwa", "KILLING", 2),
        ("watu wanane wamekatiliwa maisha usiku", "KILLING", 8),
        ("madem wawili wamevunjiwa heshima na majamaa wa mtaa", "SEXUAL_VIOLENCE", 2),
        ("l'homme soupçonné d'avoir agressé sexuellement une paroissienne", "SEXUAL_VIOLENCE", 1),
        ("walimu wawili wamenyakuliwa mchana huu", "ABDUCTION_DETENTION", 2),
        ("familia zilizohamishwa asubuhi zimepewa hifadhi ya muda kanisani", "DISPLACEMENT", None),
        ("vijana wanaimba nyimbo huku wakichoma nyumba", "PROPERTY_DESTRUCTION", None),
        # Lives "lost", "bad things done to" women, people "snatched", the Arabic "met his end".
        ("Wachungaji wawili wamepoteza roho baada ya uvamizi", "KILLING", 2),
        ("wamama wawili wakafanyiwa mambo mabaya shambani", "SEXUAL_VIOLENCE", 2),
        ("Wachuuzi wawili wamenyakwa njiani mchana huu", "ABDUCTION_DETENTION", 2),
        ("لقي صاحب المحل مصرعه على يد لصوص", "KILLING", None),
        ("one man forced into a white car at the shopping centre", "ABDUCTION_DETENTION", 1),
        ("Watu wanatolewa kwa nguvu, watoto na mizigo barabarani", "DISPLACEMENT", None),
        ("familia zime-camp kanisani tangu asubuhi", "DISPLACEMENT", None),
        ("wasee wawili wamepoteza pumzi kwa mishare", "KILLING", 2),
        ("msee wa ng'ombe amechapwa rungu hadi ame-RIP", "KILLING", None),
        ("binti aliyeingiliwa kimwili bila ridhaa yake alfajiri", "SEXUAL_VIOLENCE", None),
        ("الناس الهربانين زادوا، والميتين بقوا تلاتة", "KILLING", 3),
        ("في لافي شالوا الممرضة من بيتها قبل الفجر", "ABDUCTION_DETENTION", None),
        # French elides articles onto the word: "l'attaque", "d'aide alimentaire".
        ("l'attaque du village a duré deux heures", "ARMED_ATTACK", None),
        ("trois camions d'aide alimentaire bloqués à la sortie", "HUMANITARIAN_OBSTRUCTION", None),
    ],
)
def test_categories_and_victims(text, primary, victims):
    meaning = classify(text, TAXONOMY)
    assert meaning.primary == primary
    assert meaning.victims == victims
    assert meaning.matches and all(m.words for m in meaning.matches)  # explainable


@pytest.mark.parametrize(
    ("text", "primary"),
    [
        ("Tahadhari: polisi wamepanga kuvamia Kondele usiku wa leo", "RUMOR_UNVERIFIED"),
        ("shambulio la Molo ni uvumi", "RUMOR_UNVERIFIED"),  # "ni" is "is", not "nor"
        # The monitor's R code says it is a rumour, whatever its words are.
        ("R: Sotik - ujumbe ukiwataka wakuja kuondoka ni wa kutungwa", "RUMOR_UNVERIFIED"),
        ("Nginyang kuna watu wameuawa asubuhi? tumesikia hivyo", "RUMOR_UNVERIFIED"),
        ("Sigor watu saba wameuawa na wavamizi leo, serikali iko wapi?", "KILLING"),
        # Hearsay about something else, in another sentence, leaves the killing a killing.
        ("A mob beat a thief to death. Some people say he was a robber", "KILLING"),
        ("Mwili umepatikana shambani. Wanakijiji wanasema alikuwa mchawi", "KILLING"),
        # Hearsay in a later clause tells of the cause; before the claim, it doubts it.
        ("maduka yameteketea usiku, watu wanasema yalichomwa makusudi", "PROPERTY_DESTRUCTION"),
        ("watu wanasema maduka yamechomwa usiku", "RUMOR_UNVERIFIED"),
        ("ONYO: Wakuja wote mnapewa hadi Ijumaa kuondoka. Sambaza", "RUMOR_UNVERIFIED"),
        # A warning heading the message doubts all of it, whichever sentence.
        (
            "TAHADHARI: Usiku wa leo wageni wataondolewa. Mkiona moto msishangae.",
            "RUMOR_UNVERIFIED",
        ),
        # Messages "claiming" an attack; protesters "demanding" (wakidai) their pay are not.
        ("SMS zinasambaa Garsen zikidai kuna shambulizi usiku huu", "RUMOR_UNVERIFIED"),
        ("Messages claiming that gunmen attacked Garsen are going round", "RUMOR_UNVERIFIED"),
        (
            "wakulima wanaandamana wakidai malipo yao, polisi wametumia gesi ya kutoa machozi",
            "PROTEST_REPRESSION",
        ),
        # What people of the report say they will do is not hearsay about the coded claim,
        # nor what they say was done to them.
        ("M: Vijana wamejihami na wanasema watafuata mifugo yao", "ARMS_MOBILIZATION"),
        ("SV: Longisa. Wasichana wawili wanasema walibakwa usiku", "SEXUAL_VIOLENCE"),
        ("Longisa: watu wanasema wasichana wawili walibakwa usiku", "RUMOR_UNVERIFIED"),
    ],
)
def test_a_claim_is_a_rumour_when_it_is_doubted_where_it_is_said(text, primary):
    assert classify(text, TAXONOMY).primary == primary


@pytest.mark.parametrize(
    "text",
    [
        "fire at the market, no one was hurt or killed",
        "moto sokoni, hakuna aliyeuawa",
        "incendie au marché, personne n'a été tué",
        "حريق في السوق، لم يقتل أحد",
        "حريق في السوق، ولم يُقتل أحد",  # "and not": the negation with "and" written on
        "moto sokoni sasa hivi, hatujui kama kuna waliokufa",  # "we do not know if"
        "حريق في السوق بالليل، ما في زول مات",  # Juba Arabic "there is no one"
    ],
)
def test_negation(text):
    meaning = classify(text, TAXONOMY)
    assert "KILLING" not in meaning.categories
    assert meaning.primary == "PROPERTY_DESTRUCTION"
    assert any(m.negated and m.category == "KILLING" for m in meaning.matches)


@pytest.mark.parametrize(
    "text",
    [
        "wafanyibiashara wamebaki bila kitu baada ya maduka kuchomwa",
        "traders are left with nothing after their shops were burnt",
    ],
)
def test_a_negation_does_not_reach_into_the_cause_named_after_it(text):
    meaning = classify(text, TAXONOMY)
    assert meaning.primary == "PROPERTY_DESTRUCTION"
    assert not any(m.negated for m in meaning.matches)


def test_arabic_vowel_marks_and_prefixes_do_not_hide_a_term():
    # "لا يزال" is "still": not a negation of what follows.
    still = classify("لا يزال نحو ثلاثمائة شخص نازحين في المدرسة", TAXONOMY)
    assert still.primary == "DISPLACEMENT"
    # A damma written on the first letter of قتل; "the detainees" (ال + معتقلين).
    assert "KILLING" in classify("قُتل رجل طعناً بالسكين عند نقطة التوزيع", TAXONOMY).categories
    released = classify("أُفرج عن بعض المعتقلين صباح اليوم مقابل المال", TAXONOMY)
    assert "ABDUCTION_DETENTION" in released.categories


@pytest.mark.parametrize(
    ("text", "primary"),
    [
        ("women ask for patrols after last night's assault on a woman", "SEXUAL_VIOLENCE"),
        ("Kakuma, ce soir : une femme a été agressée près du marché", "SEXUAL_VIOLENCE"),
        ("residents held a vigil for the youth shot last night", "KILLING"),
        ("matanga ya vijana wawili yanaendelea kijijini", "KILLING"),
        # Refugees live in the camp; a clash among them is not a flight.
        ("vurugu kati ya wakimbizi kwenye kisima, watu watatu wamejeruhiwa", "ARMED_ATTACK"),
        ("wakimbizi wapya 300 wamewasili kambini usiku", "DISPLACEMENT"),
        # A flight is the event reported, not the attack named as its cause (a call for
        # patrols after one is not: see the first case).
        ("families moving into town after this morning's killings", "DISPLACEMENT"),
        ("familia nyingi zimefika hapa usiku zikikimbia shambulio", "DISPLACEMENT"),
        ("توقف توزيع الغذاء بعد الاشتباكات", "HUMANITARIAN_OBSTRUCTION"),
        # A stem of killing must not end other verbs: "-shambuliwa" is attacked, not killed.
        ("kituo cha polisi kilishambuliwa usiku, maafisa wawili wamejeruhiwa", "ARMED_ATTACK"),
        ("وقتلوا رجلين عند البئر", "KILLING"),  # "and they killed": prefix and suffix
        ("a trader was beaten to death by a mob", "KILLING"),
        ("Laini saba msee amedungwa kisu na wakora asubuhi, ameaga", "KILLING"),
        ("dada yetu alifanyiwa unyama jana jioni", "SEXUAL_VIOLENCE"),
        ("اعتدى رجلان جنسياً على امرأة مساء أمس", "SEXUAL_VIOLENCE"),
        ("deux bergers ont perdu la vie dans l'attaque", "KILLING"),
        ("gari limeviziwa alfajiri barabarani", "ARMED_ATTACK"),
        ("kundi la vijana linawatisha wafanyabiashara sokoni", "THREAT_INTIMIDATION"),
        ("watu wa Golbanti wametoroka usiku", "DISPLACEMENT"),
        # A category that outranks another is the primary (taxonomy.yaml "outranks").
        ("la police a tiré sur des commerçants qui manifestaient", "PROTEST_REPRESSION"),
        ("kangemi police beating people at the water kiosk demo", "PROTEST_REPRESSION"),
        ("vipeperushi vinawataka wakuja waondoke kabla ya Ijumaa", "HATE_SPEECH_INCITEMENT"),
        # ...but not a killing, nor the code the monitor chose.
        ("two protesters shot dead by police", "KILLING"),
        ("A: police beat protesters at the market", "ARMED_ATTACK"),
        ("mwendesha boda amedungwa kisu, akaaga dunia kabla ya kufika hospitali", "KILLING"),
        ("لقي اثنان من السكان حتفهما في الهجوم", "KILLING"),
        ("kuna mtu ameangushwa na risasi hapa karibu na sokoni", "KILLING"),
        ("Taveta: familia kama sitini zimefurushwa kutoka shamba", "DISPLACEMENT"),
        ("family of the man taken this morning say he has not come home", "ABDUCTION_DETENTION"),
        ("mfanyabiashara wa samaki amechomwa kisu na kukata roho", "KILLING"),
        ("mzee wa mboga amechomwa kisu sokoni na vijana", "ARMED_ATTACK"),  # not burnt
        ("un vendeur de poisson a été mortellement poignardé", "KILLING"),
        ("an elder was seized from his home at dawn by four men", "ABDUCTION_DETENTION"),
        ("jamaa mmoja amesukumwa ndani ya gari ndogo na wakatoweka", "ABDUCTION_DETENTION"),
        ("ناس دخلو البيت بالليل، كتلو الراجل", "KILLING"),  # Juba Arabic
        ("makarao wamechapa msee risasi kwa base, jamaa hakuponea", "KILLING"),
        ("mama alishikwa na majamaa wawili wakamdhulumu kimapenzi", "SEXUAL_VIOLENCE"),
        ("mvulana mchungaji amechomwa mshale begani jioni hii", "ARMED_ATTACK"),  # not burnt
        ("Jamaa ameingizwa kwa gari kwa nguvu mbele ya duka lake", "ABDUCTION_DETENTION"),
        ("wasio wenyeji wahepe ama wataona cha mtema kuni", "THREAT_INTIMIDATION"),
        # A monitor who codes the flight means the flight, even with deaths in it.
        ("D: 120 families sheltering in the school after 4 were killed", "DISPLACEMENT"),
    ],
)
def test_what_the_words_imply(text, primary):
    assert classify(text, TAXONOMY).primary == primary


@pytest.mark.parametrize(
    ("text", "threatened"),
    [
        # Kiswahili writes the future onto the verb: who, "ta", the stem.
        ("kesho wageni watafurushwa kutoka mtaa huu", "DISPLACEMENT"),
        ("maduka ya wapangaji yatateketezwa usiku wa leo", "PROPERTY_DESTRUCTION"),
        ("Those who stay will have their houses burnt", "PROPERTY_DESTRUCTION"),
        ("all wageni will be chased out of the estate", "DISPLACEMENT"),
        ("ils brûleront les boutiques des étrangers", "PROPERTY_DESTRUCTION"),
        ("ils vont brûler les maisons ce soir", "PROPERTY_DESTRUCTION"),
        ("سيقتلون كل من يبقى في الحي", "KILLING"),
        ("سوف يقتلون كل من يبقى في الحي", "KILLING"),
    ],
)
def test_a_deed_told_in_the_future_is_a_threat(text, threatened):
    meaning = classify(text, TAXONOMY)
    assert meaning.primary == "THREAT_INTIMIDATION"
    assert threatened not in meaning.categories
    assert any(m.future and m.category == "THREAT_INTIMIDATION" for m in meaning.matches)


@pytest.mark.parametrize(
    ("text", "primary"),
    [
        # The deed was done; "will" is about what others do next.
        ("police will investigate the killing of the trader", "KILLING"),
        ("families will bury the two herders shot dead yesterday", "KILLING"),
        ("maduka yameteketezwa usiku wa kuamkia leo", "PROPERTY_DESTRUCTION"),
        ("wataalamu wa afya wameshambuliwa kliniki", "ARMED_ATTACK"),
    ],
)
def test_a_deed_done_is_not_a_threat(text, primary):
    assert classify(text, TAXONOMY).primary == primary


def test_a_deed_denied_in_the_future_is_neither():
    meaning = classify("Wazee wameahidi kuwa hawatashambulia kijiji", TAXONOMY)
    assert "ARMED_ATTACK" not in meaning.categories
    assert "THREAT_INTIMIDATION" not in meaning.categories
    assert any(m.negated for m in meaning.matches)


@pytest.mark.parametrize(
    "text",
    [
        "TAARIFA: maduka ya wageni yamechomwa Wundanyi. Tuma kwa kila mtu",
        "NOTICE: shops of outsiders were burnt at the market. Forward to all",
        "Les boutiques des étrangers ont été brûlées. Faites passer",
        "أحرقوا محلات الغرباء في السوق. انشروا",
    ],
)
def test_a_chain_message_is_a_rumour_whatever_it_claims(text):
    meaning = classify(text, TAXONOMY)
    assert meaning.primary == "RUMOR_UNVERIFIED"
    assert "PROPERTY_DESTRUCTION" in meaning.categories  # what it claims stays recorded
    assert meaning.forward
    assert classify("P: " + text, TAXONOMY).primary == "PROPERTY_DESTRUCTION"  # coded


@pytest.mark.parametrize(
    ("text", "primary"),
    [
        # A funeral after a deed in the same clause tells when it happened...
        (
            "mama alivamiwa usiku akitoka matanga na kudhulumiwa kingono",
            "SEXUAL_VIOLENCE",
        ),
        ("a gang attacked two women on their way from the funeral of a neighbour", "ARMED_ATTACK"),
        # ...before it, or alone, of a death.
        ("residents held a vigil for the youth shot last night", "KILLING"),
        ("the burial of the two herders is today", "KILLING"),
    ],
)
def test_a_funeral_tells_of_a_death_unless_it_tells_when_another_deed_happened(text, primary):
    meaning = classify(text, TAXONOMY)
    assert meaning.primary == primary
    assert any(m.category == "KILLING" for m in meaning.matches)  # the hint is kept, shown


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        # Sheng "gone", last in its clause after a shooting: dead.
        ("karao wamepiga risasi mabeshte wawili hapa mtaani, wote wameenda", True),
        ("wasee wawili wamedungwa risasi wakaenda, mifugo imebebwa yote", True),
        # Gone somewhere, or gone with nothing done to them: not dead.
        ("vijana wamepigwa risasi na wengine wameenda hospitali", False),
        ("wanafunzi wameenda nyumbani mapema leo", False),
        ("Poa, wameenda", False),
    ],
)
def test_last_words_count_only_at_the_end_of_a_clause_after_a_deed(text, killed):
    assert ("KILLING" in classify(text, TAXONOMY).categories) is killed


@pytest.mark.parametrize(
    ("text", "primary"),
    [
        (
            "Bamba: mshukiwa mmoja amekamatwa kuhusiana na kuchomwa kwa vibanda",
            "PROPERTY_DESTRUCTION",
        ),
        ("polisi wamewakamata washukiwa sita wa genge lililovamia nyumba", "ARMED_ATTACK"),
        # A detention with no suspect in it is what the report tells of.
        ("watu wasiojulikana wamewakamata vijana sita usiku", "ABDUCTION_DETENTION"),
        # Suspects arrested, and nothing else told: the arrest.
        ("two suspects have been arrested", "ABDUCTION_DETENTION"),
    ],
)
def test_suspects_arrested_follow_up_the_event_the_report_tells_of(text, primary):
    meaning = classify(text, TAXONOMY)
    assert meaning.primary == primary
    assert "ABDUCTION_DETENTION" in meaning.categories


def test_a_stem_may_begin_a_phrase():
    for text in ("mama ametendewa vibaya na jamaa wa boti", "msichana aliyefanyiwa unyama jana"):
        meaning = classify(text, TAXONOMY)
        assert meaning.primary == "SEXUAL_VIOLENCE"
        assert any(m.term.startswith("*") and " " in m.term for m in meaning.matches)
    assert classify("mama ametendewa wema na jirani", TAXONOMY).primary != "SEXUAL_VIOLENCE"


@pytest.mark.parametrize(
    "text",
    [
        "M-Pesa attendant shot dead by two robbers",
        "un commerçant a été abattu par des voleurs armés",
        "a suspected thief was lynched by a mob",
    ],
)
def test_a_killing_by_an_attack_is_both(text):
    meaning = classify(text, TAXONOMY)
    assert meaning.primary == "KILLING" and "ARMED_ATTACK" in meaning.categories


def test_code_prefix_sets_the_primary_category():
    meaning = classify("K: 2 at Kipkelion this morning", TAXONOMY)
    assert meaning.primary == "KILLING" and meaning.code == "KILLING"
    # Coded, a report is about what was coded, not the killing it names as the cause.
    protest = "vijana waliofunga barabara kupinga mauaji ya mwenzao wamefukuzwa kwa gesi ya machozi"
    assert classify(protest, TAXONOMY).primary == "KILLING"
    assert classify("PR: " + protest, TAXONOMY).primary == "PROTEST_REPRESSION"
    assert "KILLING" in classify("PR: " + protest, TAXONOMY).categories
    assert classify("SV - girl attacked near the river", TAXONOMY).primary == "SEXUAL_VIOLENCE"
    # "a:" in a sentence is not a code.
    assert classify("a: meeting tomorrow", TAXONOMY).code is None


@pytest.mark.parametrize(
    "text", ["habari za asubuhi", "hello", "who is this?", "asante sana", "bonjour", "مرحبا", ""]
)
def test_greetings_and_questions_are_not_incidents(text):
    meaning = classify(text, TAXONOMY)
    assert meaning.not_incident and meaning.primary is None


@pytest.mark.parametrize(
    "text",
    [
        "Kangemi iko calm leo, hakuna maandamano wala teargas",
        "Kapsowar quiet this morning, herders back at the grazing fields.",
        "Wundanyi jioni hii ni tulivu, biashara zinaendelea.",
        "Kakuma : calme aujourd'hui, rien à signaler.",
        "الوضع هادئ في كالوبيي اليوم",
        "Juja back to normal today, lectures resumed and the road is open.",
        "Tangulbei leo kuna utulivu, shule zimefunguliwa na mifugo imerudi malishoni",
    ],
)
def test_a_message_that_says_all_is_calm_is_not_an_incident(text):
    calm = classify(text, TAXONOMY)
    assert calm.not_incident and calm.primary is None


@pytest.mark.parametrize(
    "text",
    [
        # A tense scene with a denial is still something to know of.
        "Huruma bado hali ni tete, polisi wamejaa. Hakuna aliyeuawa",
        # Words EWN does not know, told at length, with only a denial it knows: staff read it.
        "Kipini update: one of the two fishermen found his way back overnight, says the other "
        "is still held. No ransom demand so far.",
        # "nani" (who) in a long message is not a question about the messaging.
        "jamaa mmoja ameingizwa ndani ya gari ndogo mbio sana, hatujui ni akina nani",
    ],
)
def test_a_denial_or_an_unknown_word_in_a_report_does_not_make_it_noise(text):
    meaning = classify(text, TAXONOMY)
    assert meaning.primary is not None and not meaning.not_incident


@pytest.mark.parametrize(
    "text",
    [
        "Maktau: body of a man found near the road at 6.30am, no visible wounds",
        "mwili wa mwanamume umeokotwa kando ya barabara bila alama yoyote ya kuumizwa",
        "corps d'un homme retrouvé au bord de la route, aucune trace de violence",
        "عثر على جثة رجل قرب الطريق صباح اليوم دون آثار عنف",
        # A term after it in its clause tells of no deed: no marks "of beating".
        "Mwili wa mwanamume umepatikana kando ya mto asubuhi, hauna alama za kupigwa",
    ],
)
def test_a_body_with_no_sign_of_violence_is_a_death_of_unknown_cause(text):
    meaning = classify(text, TAXONOMY)
    assert meaning.primary == "OTHER" and meaning.categories == ["OTHER"]
    assert any(m.category == "KILLING" for m in meaning.matches)  # the body is still shown
    assert classify("body found with machete wounds", TAXONOMY).primary == "KILLING"


def test_unclassified_text_is_other_not_noise():
    meaning = classify("something strange is happening at the border, people are worried", TAXONOMY)
    assert meaning.primary == "OTHER" and not meaning.not_incident


def test_severity_rises_with_many_victims():
    assert classify("houses burned", TAXONOMY).severity == 3
    assert classify("12 houses burned and 7 people injured", TAXONOMY).severity == 5


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "categories:\n  KILLING:\n    code: K\n    severity: 9\n    risk_factors: [1]\n"
            "    names: {en: Killing}\n    terms: {en: [killed]}\n",
            "from 1 to 5",
        ),
        (
            "categories:\n  KILLING:\n    code: K\n    severity: 5\n    risk_factors: [15]\n"
            "    names: {en: Killing}\n    terms: {en: [killed]}\n",
            "from 1 to 14",
        ),
        ("categories:\n  killing:\n    code: K\n", "UPPER_CASE"),
        (
            "categories:\n  KILLING:\n    code: K\n    severity: 5\n    risk_factors: [1]\n"
            "    names: {en: Killing}\n    terms: {xx: [killed]}\n",
            "unknown key",
        ),
        (
            "categories:\n  KILLING:\n    code: K\n    severity: 5\n    risk_factors: [1]\n"
            "    names: {en: Killing}\n    terms: {sw: ['*ua']}\n",
            "at least 4 letters",
        ),
        (
            "categories:\n  KILLING:\n    code: K\n    severity: 5\n    risk_factors: [1]\n"
            "    names: {en: Killing}\n    terms: {en: [killed]}\n    outranks: [LOOTING]\n",
            "unknown category: LOOTING",
        ),
    ],
)
def test_taxonomy_mistakes_name_the_line(tmp_path, text, problem):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=problem) as error:
        Taxonomy.load(path)
    assert str(error.value).startswith(f"{path}:")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # Forms the taxonomy does not list one by one: who and when come before the stem.
        ("Tulivamiwa na vijana jana usiku", "ARMED_ATTACK"),
        ("Wakamshambulia mzee sokoni", "ARMED_ATTACK"),
        ("Msichana aliyebakwa yuko hospitali", "SEXUAL_VIOLENCE"),
        ("Wavulana watatu wakatekwa njiani", "ABDUCTION_DETENTION"),
        ("Watoto wawili wakauawa usiku", "KILLING"),
        ("mob imeua mshukiwa wa wizi usiku huu", "KILLING"),
        ("Tusaidieni Nyabasi tunachomewa nyumba", "PROPERTY_DESTRUCTION"),
        ("Wamewateka wavuvi wawili ziwani alfajiri", "ABDUCTION_DETENTION"),
        ("familia sitini zimefukuzwa shambani", "DISPLACEMENT"),
        ("watu wanakimbilia milimani usiku huu", "DISPLACEMENT"),
        ("vibanda vimeporwa usiku wa manane", "PROPERTY_DESTRUCTION"),
        ("mwanasiasa aliwachochea vijana mkutanoni", "HATE_SPEECH_INCITEMENT"),
        ("kundi la vijana linawatisha wafanyabiashara sokoni", "THREAT_INTIMIDATION"),
    ],
)
def test_kiswahili_stems_match_after_any_beginning(text, category):
    meaning = classify(text, TAXONOMY)
    assert category in meaning.categories
    assert any(m.term.startswith("*") for m in meaning.matches)


def test_a_stem_is_not_the_end_of_another_word():
    # "wamethibitisha" (they confirmed) ends like "-tisha" (frighten).
    meaning = classify("polisi wamethibitisha kuwa mwalimu yuko rumande", TAXONOMY)
    assert meaning.categories == ["ABDUCTION_DETENTION"]


def test_a_deployment_can_add_a_category(tmp_path):
    extended = (
        (ROOT / "config" / "taxonomy.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "categories:\n",
            "categories:\n  CATTLE_RAID:\n    code: CR\n    severity: 4\n"
            "    risk_factors: [1, 4]\n    names: {en: Cattle raid}\n"
            "    terms: {en: [cattle raid, rustled], sw: [wizi wa mifugo]}\n",
            1,
        )
    )
    path = tmp_path / "taxonomy.yaml"
    path.write_text(extended, encoding="utf-8")
    taxonomy = Taxonomy.load(path)
    assert classify("CR: 300 cows taken at dawn", taxonomy).primary == "CATTLE_RAID"
    assert "CR=Cattle raid" in taxonomy.codes_help("en")


# ---------------------------------------------------------------------------- event time

# Received 06:40 on Monday 2 March 2026, Nairobi time (UTC+3).
RECEIVED = datetime(2026, 3, 2, 3, 40, tzinfo=UTC)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=3)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("vijana wamechoma nyumba jana usiku", local(1, 18), local(2, 6)),
        ("shots fired last night", local(1, 18), local(2, 6)),
        ("des tirs hier soir", local(1, 18), local(2, 6)),
        ("هجوم مسلح الليلة الماضية", local(1, 18), local(2, 6)),
        ("armed men this morning", local(2, 5), local(2, 6, 40)),
        ("leo asubuhi wamevamia", local(2, 5), local(2, 6, 40)),
        ("yesterday they came", local(1, 0), local(2, 0)),
        # The day before yesterday: 28 February, local time.
        ("juzi walivamia", datetime(2026, 2, 27, 21, tzinfo=UTC), local(1, 0)),
        ("shots fired 2 hours ago", local(2, 4, 10), local(2, 5, 10)),
        ("il y a 3 heures", local(2, 3, 10), local(2, 4, 10)),
        ("saa nane usiku walivamia", local(2, 1), local(2, 3)),
        ("since 8am the road is blocked", local(1, 8), local(2, 6, 40)),
        ("hali ni tete sasa hivi", local(2, 5, 40), local(2, 6, 40)),
        ("raiders struck at dawn", local(2, 3), local(2, 6, 40)),
        ("wamevamia alfajiri", local(2, 3), local(2, 6, 40)),
        ("shots between 9 and 11pm", local(1, 21), local(1, 23, 30)),
        ("clash 10-11pm", local(1, 22), local(1, 23, 30)),
        ("shot dead around 7:30pm yesterday", local(1, 18, 30), local(1, 20, 30)),
        ("gunfire ~4am, houses burnt", local(2, 3), local(2, 5)),
        ("des tirs vers 20h", local(1, 19), local(1, 21)),
        ("raiders wamekuja saa kumi na mbili asubuhi", local(2, 5), local(2, 6, 40)),
        ("calm this morning after last night's shooting", local(1, 18), local(2, 6, 40)),
        ("ubakaji wa usiku", local(1, 18), local(2, 6)),
        # A part of the day still to come when it was sent is the day before's.
        ("a house burnt mid-afternoon", local(1, 12), local(1, 17)),
        ("maison brûlée dans l'après-midi", local(1, 12), local(1, 17)),
        ("abducted last evening", local(1, 16), local(2, 0)),
        ("assaulted on Sunday evening", local(1, 16), local(2, 0)),
        # A clock time without am or pm: the day part said, or the latest before the message.
        ("saa tisa alasiri walichoma nyumba", local(1, 14), local(1, 16)),
        ("they came at 8 last night", local(1, 19), local(1, 21)),
        ("saa tisa walichoma nyumba", local(2, 2), local(2, 4)),
    ],
)
def test_event_time_phrases(text, start, end):
    when = read_event_time(text, RECEIVED, "Africa/Nairobi")
    assert when.source == "text"
    assert (when.start, when.end) == (start, end)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("raiders struck at dawn", local(1, 3), local(1, 7)),
        ("wamevamia asubuhi", local(1, 5), local(1, 12)),
        ("attaque ce soir au marché", local(1, 16), local(2, 0)),
        ("shots fired last night", local(1, 18), local(2, 0, 50)),
    ],
)
def test_a_part_of_the_day_said_in_the_small_hours_is_the_day_just_ended(text, start, end):
    """Sent at 00:50: "at dawn" is not a dawn still to come (nor a moment without length)."""
    when = read_event_time(text, local(2, 0, 50), "Africa/Nairobi")
    assert (when.start, when.end) == (start, end)


@pytest.mark.parametrize(
    "text",
    [
        "ONYO: Wakuja wote mnapewa hadi Ijumaa kuondoka",
        "All outsiders have until Friday to leave",
        "Waondoke kabla ya Jumamosi",
        "Jumamosi ijayo tutavamia soko",
        "Ils doivent partir avant vendredi",
    ],
)
def test_a_day_to_come_is_not_when_it_happened(text):
    """A deadline or "next Saturday" in a threat is not the day of an event (it was read as
    the last such day, days before the threat was sent)."""
    assert read_event_time(text, RECEIVED, "Africa/Nairobi").source == "received"
    # A day past still is: "killed on Friday", sent on Monday 2 March.
    past = read_event_time("watu wawili waliuawa Ijumaa", RECEIVED, "Africa/Nairobi")
    friday = datetime(2026, 2, 26, 21, tzinfo=UTC)  # 27 February, midnight local time
    assert (past.start, past.end) == (friday, friday + timedelta(days=1))


def test_nothing_said_means_the_received_time_widened():
    when = read_event_time("men with guns are gathering", RECEIVED, "Africa/Nairobi")
    assert when.source == "received" and when.end == RECEIVED
    assert when.start == RECEIVED - timedelta(hours=12)


@pytest.mark.parametrize(
    ("text", "ongoing"),
    [
        ("Tunavamiwa na watu wengi wenye mapanga", "Tunavamiwa"),
        ("Nyumba zinaungua hapa, tusaidieni", "zinaungua"),
        ("pls help people are fighting here with pangas", "fighting"),
        ("we are being attacked by armed men", "attacked"),
        # Done, not going on: the received time widened as when nothing is said.
        ("Mtoto wa shule amevamiwa njiani", None),
        ("nyumba tatu zimechomwa", None),
        ("hakuna anayepigwa, watu wamelala", None),  # denied
        ("wanapanga kuvamia kijiji", None),  # what they plan
    ],
)
def test_a_deed_told_as_going_on_happened_in_the_last_hours(text, ongoing):
    meaning = classify(text, TAXONOMY)
    assert meaning.ongoing == ongoing
    when = read_event_time(meaning.own_text(text), RECEIVED, "Africa/Nairobi", meaning.ongoing)
    assert when.end == RECEIVED
    assert when.start == RECEIVED - timedelta(hours=6 if ongoing else 12)
    assert when.phrase == ongoing


def test_a_count_is_not_a_clock_time():
    """ "about 15 youths" is how many, not 3 pm."""
    when = read_event_time("about 15 youths with machetes attacked", RECEIVED, "Africa/Nairobi")
    assert when.source == "received"


@pytest.mark.parametrize(
    ("text", "primary", "elsewhere"),
    [
        (
            "Separate from the morning ambush: teachers in Kapedo were threatened this afternoon",
            "THREAT_INTIMIDATION",
            "ARMED_ATTACK",
        ),
        (
            "Clash at the water point, 3 hurt. Different from the morning rape case.",
            "ARMED_ATTACK",
            "SEXUAL_VIOLENCE",
        ),
        (
            "Une femme agressée sexuellement ce soir. Rien à voir avec la fusillade de ce matin",
            "SEXUAL_VIOLENCE",
            "ARMED_ATTACK",
        ),
        ("خطف مسلحون رجلين. هذه حادثة مختلفة عن القتل صباحاً", "ABDUCTION_DETENTION", "KILLING"),
    ],
)
def test_what_a_report_says_of_another_event_is_not_its_own(text, primary, elsewhere):
    meaning = classify(text, TAXONOMY)
    assert meaning.separate
    assert meaning.primary == primary and elsewhere not in meaning.categories
    assert any(term["other_event"] for term in meaning.evidence()["terms"])
    # Nor are its times: "the morning ambush" is not when the threats were made.
    own = read_event_time(meaning.own_text(text), RECEIVED, "Africa/Nairobi")
    assert "morning" not in (own.phrase or "") and "matin" not in (own.phrase or "")


@pytest.mark.parametrize(
    "text",
    [
        "Kisumu evening update: death toll from the Kondele shooting is 2",
        "Ahero: hali imetulia baada ya maandamano ya wakulima",
        "Kakuma : calme le lendemain, bilan 3 morts",
        "حصيلة القتلى ارتفعت إلى ثلاثة في كاكوما",
        "Mise à jour Kakuma : quatre personnes ont perdu la vie",
        "ارتفع عدد القتلى في اشتباكات كاكوما إلى أربعة",
        "تحديث من كاكوما: الشرطة اعتقلت خمسة عشر شخصا",
        "Olokurto: wakimbizi wa ndani wameongezeka hadi familia 260, waliouawa ni wanne",
        "Kirigi: idadi ya waliouawa katika uvamizi wa usiku imefika wanne",
        "the number of dead has risen to five",
        "Olokurto : le nombre de familles déplacées est passé à 260",
        "Familia zimekimbia baada ya mashambulizi ya jana",
        "the two herders killed at dawn were buried this afternoon",
        "دُفن الراعيان اللذان قُتلا صباح اليوم",
        # Fighting that flared again belongs with the first round.
        "Mapigano yamezuka upya Nyangwa jioni hii",
        "تجدد القتال في القرية مساء اليوم",
        "fighting flared up again at the border this evening",
    ],
)
def test_a_report_of_what_followed_says_so(text):
    assert classify(text, TAXONOMY).evidence()["follow_up"]


@pytest.mark.parametrize(
    "text",
    [
        "Nyumba ya mwalimu imechomwa saa tisa mchana baada ya ugomvi wa mpaka",
        "a house was burnt at 3pm after a boundary row",
    ],
)
def test_after_a_motive_is_not_a_follow_up(text):
    """'After' tells of what followed an event only when an event follows it."""
    assert classify(text, TAXONOMY).evidence()["follow_up"] is None


def test_time_zone_of_the_deployment_is_used():
    noon = datetime(2026, 3, 2, 10, tzinfo=UTC)
    nairobi = read_event_time("this morning", noon, "Africa/Nairobi")
    lagos = read_event_time("this morning", noon, "Africa/Lagos")
    assert lagos.start - nairobi.start == timedelta(hours=2)


def test_words_of_a_place_name_are_not_what_happened(rt, client):
    """ "Burnt" in Burnt Forest is the place, not arson; burnt houses elsewhere still are."""
    from sqlalchemy import select

    from ewn.models import Report
    from tests.builders import send
    from tests.conftest import drain

    send(client, "Burnt Forest: leaflets tell outsiders to leave before Friday")
    send(client, "Houses burnt in Molo last night", "+254712000002")
    drain(rt)
    with rt.db.reading() as session:
        leaflets, houses = session.scalars(select(Report).order_by(Report.id)).all()
    assert "PROPERTY_DESTRUCTION" not in leaflets.categories
    assert leaflets.primary_category not in (None, "PROPERTY_DESTRUCTION")
    assert "PROPERTY_DESTRUCTION" in houses.categories
    assert "PROPERTY_DESTRUCTION" in classify("Burnt Forest", TAXONOMY).categories
    assert "PROPERTY_DESTRUCTION" not in classify("Burnt Forest", TAXONOMY, [(0, 12)]).categories


def test_the_cause_a_report_names_is_kept_and_shown_as_such():
    meaning = classify("families moving into town after this morning's killings", TAXONOMY)
    assert meaning.primary == "DISPLACEMENT"
    assert "KILLING" in meaning.categories  # the killings still inform the incident
    causes = {t["category"]: t["cause"] for t in meaning.evidence()["terms"]}
    assert causes == {"DISPLACEMENT": False, "KILLING": True}


def test_the_words_kept_as_evidence_do_not_depend_on_the_hash_seed():
    # "hali imetulia" and "baada ya" are both two-word follow-up phrases: which one is kept
    # must not change from one process to the next (Python orders sets by a random seed).
    import subprocess
    import sys

    script = (
        "from ewn.meaning.classify import classify; from ewn.meaning.taxonomy import Taxonomy; "
        "from ewn.settings import ROOT; "
        "t = Taxonomy.load(ROOT / 'config' / 'taxonomy.yaml'); "
        "print(classify('Ahero: hali imetulia baada ya maandamano ya wakulima', t).follow_up)"
    )
    said = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in (1, 2, 3, 4)
    }
    assert len(said) == 1 and said <= {"hali imetulia", "baada ya"}
