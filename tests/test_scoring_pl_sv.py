"""Polish and Swedish sentiment sign on hand-written tweet-like sentences (not customer service only).

Written before the lexicons were tuned, as a held-out check of coverage: politics, sport, weather,
TV, daily life. A neutral prediction (|sentiment| <= 0.05) counts as wrong.
"""

from __future__ import annotations

import pytest

from monitor.scoring import MentionScorer

POLISH: list[tuple[str, int]] = [
    ("Wreszcie weekend! Idę z dziećmi do parku, pogoda jak marzenie ☀️", 1),
    ("Ale mecz! Lewandowski znowu strzelił, brawo chłopaki 🇵🇱", 1),
    ("Dzięki wszystkim za życzenia urodzinowe, jesteście kochani ❤️", 1),
    ("Nowy sezon tego serialu jest genialny, polecam", 1),
    ("Haha, mój kot właśnie ukradł mi kanapkę 😂", 1),
    ("Pyszny obiad u mamy, nic lepszego w niedzielę", 1),
    ("Zdałam egzamin na prawo jazdy za pierwszym razem!! Szczęśliwa jestem", 1),
    ("Koncert wczoraj był mega, wokalistka w świetnej formie", 1),
    ("Piękny zachód słońca nad Bałtykiem dzisiaj", 1),
    ("Gratulacje dla naszych siatkarzy, zasłużone zwycięstwo!", 1),
    ("Udało się, dostałem tę pracę 🎉", 1),
    ("Polecam tę książkę każdemu, czytałem z zapartym tchem", 1),
    ("Super sprawa, że w końcu otworzyli ścieżkę rowerową przy rzece", 1),
    ("Kocham jesień w górach, cisza i spokój", 1),
    ("Dobra robota, wreszcie ktoś w sejmie mówi z sensem", 1),
    ("Ten nowy burger w knajpie na rogu jest zajebisty", 1),
    ("Najlepszy dzień od dawna, wszystko mi dziś wychodzi", 1),
    ("Brawo dla ratowników, prawdziwi bohaterowie", 1),
    ("Śmiałam się przez cały film xD", 1),
    ("Fajnie było was znowu zobaczyć, musimy to powtórzyć", 1),
    ("Świetna debata, konkretne argumenty i zero krzyków", 1),
    ("Legia wygrywa 3:0, czapki z głów!", 1),
    ("Dziękuję za szybką pomoc, problem rozwiązany w 5 minut", 1),
    ("Wiosna przyszła, słońce świeci, od razu lepszy humor 😊", 1),
    ("Ależ to było piękne przedstawienie, wzruszyłam się", 1),
    ("Jestem dumny z mojej córki, wygrała olimpiadę z matematyki", 1),
    ("Serio polecam tę kawiarnię, kawa wyśmienita", 1),
    ("Nareszcie urlop! Morze, plaża i spokój", 1),
    ("Ten odcinek był przezabawny hahaha", 1),
    ("Cudowny wieczór z przyjaciółmi, dzięki za wszystko", 1),
    ("Wspaniała wiadomość, szpital dostał nowy sprzęt dla dzieci", 1),
    ("Trzymam kciuki za naszych w finale, dacie radę!", 1),
    ("Ale fajna niespodzianka od męża 🥰", 1),
    ("Nowa płyta Dawida jest sztos", 1),
    ("Uwielbiam te poranki z kawą i dobrą książką", 1),
    ("Pociąg przyjechał punktualnie i było czysto, miłe zaskoczenie", 1),
    ("Wygraliśmy! Co za emocje, niesamowity mecz", 1),
    ("Szacunek dla nauczycieli, robią kawał dobrej roboty", 1),
    ("Bardzo smaczne pierogi, babcia jest mistrzynią", 1),
    ("Jestem zachwycona nowym telefonem, bateria trzyma dwa dni", 1),
    ("Znowu korki na całym mieście, mam dość", -1),
    ("Kurwa, znowu się spóźniłem na pociąg", -1),
    ("Szkoda, że nasi znowu przegrali, fatalna gra w obronie", -1),
    ("Niestety koncert odwołany, a tak się cieszyłam", -1),
    ("Ten rząd to jakaś kpina, ceny rosną a pensje stoją", -1),
    ("Pada od rana, zimno i ponuro, nic mi się nie chce", -1),
    ("Żenujący występ, wstyd za takich polityków", -1),
    ("Ale nuda, ten film to strata czasu", -1),
    ("Boli mnie głowa i jeszcze muszę iść do pracy 😩", -1),
    ("Internet znowu nie działa, serio? #fail", -1),
    ("Najgorszy sezon w historii tego serialu, scenarzyści oszaleli", -1),
    ("Smutno mi, mój pies dzisiaj odszedł 😢", -1),
    ("Co za idiota tak parkuje, zablokował całe wyjście", -1),
    ("Ceny w sklepach są chore, za masło 10 zł", -1),
    ("Przegraliśmy w ostatniej minucie, dramat", -1),
    ("Nie mam siły na tych ludzi, ciągle tylko kłamią", -1),
    ("Wkurza mnie ta reklama, leci co pięć minut", -1),
    ("Kolejka do lekarza na pół roku, tragedia", -1),
    ("Znowu awaria prądu na osiedlu, nikt nic nie wie", -1),
    ("Zepsuł mi się laptop dzień przed oddaniem pracy 😭", -1),
    ("Ta decyzja sądu to skandal", -1),
    ("Jestem rozczarowany nowym albumem, słabiutki", -1),
    ("Ohydna pogoda, wiatr i deszcz ze śniegiem", -1),
    ("Beznadziejny sędzia, zepsuł cały mecz", -1),
    ("Nienawidzę poniedziałków", -1),
    ("Ten program w telewizji to totalne dno", -1),
    ("Zmęczony jestem wszystkim, chcę tylko spać", -1),
    ("Straszny wypadek na A4, ludzie ranni", -1),
    ("Głupie pytanie, głupia odpowiedź, typowy wywiad", -1),
    ("Nie polecam tej restauracji, zimne jedzenie i niemiła obsługa", -1),
    ("Autobus znowu nie przyjechał, czekam 40 minut na mrozie", -1),
    ("Szkoda gadać, znowu podwyżki", -1),
    ("Ale syf na tych ulicach po sylwestrze", -1),
    ("Porażka, zgubiłem portfel z dokumentami", -1),
    ("Mam dość tej polityki, wszyscy są tacy sami", -1),
    ("Paskudne przeziębienie, trzeci dzień leżę w łóżku", -1),
    ("To było najgorsze wesele, na jakim byłem", -1),
    ("Okropnie się czuję po tej szczepionce", -1),
    ("Znowu hejt w komentarzach, ludzie są podli", -1),
    ("Zawiodłam się na tobie, myślałam że jesteś przyjacielem", -1),
]

SWEDISH: list[tuple[str, int]] = [
    ("Vilken härlig dag! Sol och 20 grader i Stockholm ☀️", 1),
    ("Grattis Sverige till guldet, helt otroligt!", 1),
    ("Tack för alla fina grattishälsningar, ni är bäst ❤️", 1),
    ("Nya säsongen av serien är grym, rekommenderar", 1),
    ("Haha min katt ramlade ner från soffan 😂", 1),
    ("Mammas köttbullar är fortfarande världens godaste", 1),
    ("Klarade uppkörningen på första försöket!! Så glad", 1),
    ("Konserten igår var magisk, vilken röst hon har", 1),
    ("Så vacker solnedgång över sjön ikväll", 1),
    ("Heja Djurgården, snyggt mål i sista minuten!", 1),
    ("Fick jobbet!! 🎉", 1),
    ("Läste ut boken i natt, den var fantastisk", 1),
    ("Äntligen har de byggt en cykelbana längs ån, toppen", 1),
    ("Älskar hösten, krispig luft och fina färger", 1),
    ("Bra debatt ikväll, sakliga argument och inget tjafs", 1),
    ("Den nya hamburgaren på hörnet är sjukt god", 1),
    ("Bästa dagen på länge, allt går min väg", 1),
    ("Stort tack till ambulanspersonalen, riktiga hjältar", 1),
    ("Skrattade mig igenom hela filmen xD", 1),
    ("Kul att ses igen, vi måste göra om det snart", 1),
    ("Melodifestivalen ikväll var riktigt underhållande", 1),
    ("Trevlig personal och god mat, kommer tillbaka", 1),
    ("Tack för snabb hjälp, allt löst på fem minuter", 1),
    ("Våren är här, fåglarna sjunger och humöret är på topp 😊", 1),
    ("Vilken vacker föreställning, jag blev rörd", 1),
    ("Så stolt över min dotter som vann matteolympiaden", 1),
    ("Mysigt café med världens bästa kanelbullar", 1),
    ("Äntligen semester! Hav, strand och lugn", 1),
    ("Det här avsnittet var så roligt hahaha", 1),
    ("Underbar kväll med vänner, tack för allt", 1),
    ("Fantastiska nyheter, sjukhuset får ny utrustning till barnen", 1),
    ("Håller tummarna för Tre Kronor i finalen, ni fixar det!", 1),
    ("Vilken gullig överraskning från min sambo 🥰", 1),
    ("Nya skivan är ju helt klockren", 1),
    ("Tåget kom i tid och var rent, positivt överraskad", 1),
    ("Vi vann! Vilken match, helt galet bra", 1),
    ("Respekt till alla lärare som gör ett fantastiskt jobb", 1),
    ("Mormors kanelbullar slår allt, smaskigt", 1),
    ("Helt nöjd med nya mobilen, batteriet håller i två dagar", 1),
    ("Snön har kommit och barnen är överlyckliga", 1),
    ("Köer överallt i stan igen, jag orkar inte", -1),
    ("Fan, missade tåget igen", -1),
    ("Synd att Sverige förlorade, usel insats i försvaret", -1),
    ("Tyvärr är konserten inställd, så trist", -1),
    ("Regeringen är ett skämt, priserna stiger och lönerna står still", -1),
    ("Regnat hela dagen, kallt och grått, ingen lust till något", -1),
    ("Pinsamt uppträdande av ministern, skäms", -1),
    ("Så tråkig film, bortkastad tid", -1),
    ("Huvudvärk och måste ändå jobba 😩", -1),
    ("Internet ligger nere igen, seriöst? #fail", -1),
    ("Sämsta säsongen någonsin, manusförfattarna har tappat det", -1),
    ("Ledsen idag, vår hund somnade in 😢", -1),
    ("Vilken idiot som parkerar så, blockerar hela utfarten", -1),
    ("Priserna i affären är sjuka, 80 kr för smör", -1),
    ("Förlorade i sista minuten, vilken mardröm", -1),
    ("Orkar inte med alla lögner från politikerna", -1),
    ("Den här reklamen irriterar mig så mycket", -1),
    ("Ett halvår kö till läkaren, helt katastrof", -1),
    ("Strömavbrott igen i området och ingen vet något", -1),
    ("Datorn dog dagen innan inlämningen 😭", -1),
    ("Domen är en skandal", -1),
    ("Besviken på nya albumet, riktigt svagt", -1),
    ("Vidrigt väder, blåst och snöblandat regn", -1),
    ("Usel domare, förstörde hela matchen", -1),
    ("Hatar måndagar", -1),
    ("Det här programmet är rena skiten", -1),
    ("Trött på allt, vill bara sova", -1),
    ("Fruktansvärd olycka på E4, flera skadade", -1),
    ("Dum fråga, dumt svar, typisk intervju", -1),
    ("Kan inte rekommendera restaurangen, kall mat och otrevlig service", -1),
    ("Bussen kom inte, stått och frusit i 40 minuter", -1),
    ("Jävla skit, nu höjer de priserna igen", -1),
    ("Så äckligt med allt skräp på gatorna efter nyår", -1),
    ("Tappade plånboken med alla kort, vilken dag", -1),
    ("Less på politiken, alla är likadana", -1),
    ("Sjuk i tre dagar nu, känner mig förjävlig", -1),
    ("Värsta bröllopet jag varit på", -1),
    ("Mår dåligt efter vaccinet", -1),
    ("Så mycket hat i kommentarerna, folk är elaka", -1),
    ("Du svek mig, trodde du var min vän", -1),
]


@pytest.fixture(scope="module")
def scorer() -> MentionScorer:
    return MentionScorer()


def balanced_accuracy(scorer: MentionScorer, cases: list[tuple[str, int]], lang: str | None) -> float:
    right = {1: 0, -1: 0}
    total = {1: 0, -1: 0}
    for text, sign in cases:
        total[sign] += 1
        right[sign] += scorer.score(text, lang=lang).sentiment * sign > 0.05
    return (right[1] / total[1] + right[-1] / total[-1]) / 2


def test_sets_are_balanced() -> None:
    for cases in (POLISH, SWEDISH):
        assert len(cases) == 80
        assert sum(1 for _, s in cases if s > 0) == 40


@pytest.mark.parametrize(("lang", "cases"), [("pl", POLISH), ("sv", SWEDISH)])
def test_balanced_accuracy_with_language(scorer: MentionScorer, lang: str, cases: list[tuple[str, int]]) -> None:
    assert balanced_accuracy(scorer, cases, lang) >= 0.75


@pytest.mark.parametrize(("lang", "cases"), [("pl", POLISH), ("sv", SWEDISH)])
def test_balanced_accuracy_language_detected(scorer: MentionScorer, lang: str, cases: list[tuple[str, int]]) -> None:
    assert balanced_accuracy(scorer, cases, None) >= 0.70
