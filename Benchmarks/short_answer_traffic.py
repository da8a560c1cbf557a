#!/usr/bin/env python3
"""Writes data/short_answers/questions.jsonl: a user's traffic whose answers can be checked.

    python3 Benchmarks/short_answer_traffic.py [--count 1400] [--seed 2026] [--out PATH]

Questions with one short exact answer (a number, or a letter for multiple choice), the kind of
traffic a homework helper, a support bot or a spreadsheet assistant sees: arithmetic of every
size, percentages, unit conversions, counting facts, dates, Python one-liners, number sequences,
Roman numerals, one- and two-step word problems, multiple-choice knowledge questions. Written for
this project (CC0): templates and facts below, filled with seeded random numbers, in several
registers (terse, chatty, with context that does not matter) and a share in Spanish, French and
German, so that neither the length of a question nor its wording says how hard it is.

Each row: `id`, `prompt`, `category`, `language`, `metadata.reference` (what `causal-router
judge --reference metadata.reference` grades an answer by). No label: labels come from a model
pair answering it (Benchmarks/learning_loop.py --parts pair, docs/learning.md).
"""
import argparse
import json
import os
import random

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHATTY = ["Hey, quick question for my kid's homework: {q}", "Sorry if this is a silly one, but {ql}",
          "I'm double-checking a spreadsheet at work and my brain has stopped. {q}",
          "My friend and I are arguing about this, settle it please: {q}",
          "Before my meeting starts in two minutes: {q}", "Just need the answer, no explanation. {q}",
          "Can you help? {q} Thanks a lot!", "{q} (asking for a quiz night tomorrow)",
          "Hi! I'm learning on my own and got stuck. {q}", "Quick sanity check - {ql}"]


def register(rng, q):
    """The question as asked: mostly terse, sometimes wrapped in talk that does not change it."""
    if rng.random() < 0.35:
        return rng.choice(CHATTY).format(q=q, ql=q[0].lower() + q[1:])
    return q


def arithmetic(rng, digits_a, digits_b, op):
    lo = lambda d: 10 ** (d - 1) if d > 1 else 1
    a, b = rng.randint(lo(digits_a), 10 ** digits_a - 1), rng.randint(lo(digits_b), 10 ** digits_b - 1)
    if op == "-" and b > a:
        a, b = b, a
    if op == "/":
        a = a * b
    value = {"+": a + b, "-": a - b, "*": a * b, "/": a // b}[op]
    word = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}[op]
    sym = {"+": "+", "-": "-", "*": rng.choice(["*", "x", "×"]), "/": rng.choice(["/", "÷"])}[op]
    q = rng.choice([f"What is {a} {sym} {b}?", f"What is {a} {word} {b}?", f"Calculate {a} {sym} {b}.",
                    f"{a} {sym} {b} = ?", f"How much is {a} {word} {b}?"])
    return q, value


def kind_arithmetic(rng):
    shapes = [(1, 1, "+", "add_small"), (1, 1, "*", "times_table"), (2, 1, "+", "add_small"), (2, 2, "-", "subtract"),
              (3, 3, "+", "add_large"), (4, 4, "+", "add_large"), (4, 3, "-", "subtract"),
              (2, 1, "*", "multiply_2x1"), (2, 2, "*", "multiply_2x2"), (3, 2, "*", "multiply_3x2"),
              (3, 3, "*", "multiply_3x3"), (1, 1, "/", "divide"), (2, 1, "/", "divide"), (2, 2, "/", "divide_long")]
    da, db, op, kind = rng.choice(shapes)
    q, value = arithmetic(rng, da, db, op)
    return kind, q, value


def kind_percent(rng):
    p = rng.choice([10, 20, 25, 50, 5, 15, 30, 75, 12, 35])
    base = rng.choice([20, 40, 60, 80, 100, 120, 200, 240, 300, 400, 500, 640, 800, 1200])
    value = p * base / 100
    if value != int(value):
        base *= 4
        value = p * base / 100
    q = rng.choice([f"What is {p}% of {base}?", f"How much is {p} percent of {base}?",
                    f"A jacket costs ${base} and is {p}% off. How many dollars is the discount?",
                    f"Calculate {p}% of {base}."])
    # A share that is still not whole (12% of 240) is asked as it is; its answer is the decimal.
    return "percent", q, int(value) if value == int(value) else round(value, 2)


UNITS = [("kilometers", "meters", 1000), ("meters", "centimeters", 100), ("hours", "minutes", 60),
         ("minutes", "seconds", 60), ("kilograms", "grams", 1000), ("liters", "milliliters", 1000),
         ("feet", "inches", 12), ("yards", "feet", 3), ("days", "hours", 24), ("weeks", "days", 7),
         ("dozen", "items", 12), ("gallons", "quarts", 4), ("centimeters", "millimeters", 10)]


def kind_units(rng):
    big, small, factor = rng.choice(UNITS)
    n = rng.choice([2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 20, 25, 36, 48])
    if big == "dozen":
        q = rng.choice([f"How many eggs are in {n} dozen?", f"{n} dozen is how many items?"])
    else:
        q = rng.choice([f"How many {small} are in {n} {big}?", f"Convert {n} {big} to {small}.",
                        f"{n} {big} is how many {small}?"])
    return "unit_conversion", q, n * factor


COUNTS = [("How many legs does a spider have?", 8), ("How many legs does an insect have?", 6),
          ("How many legs does a dog have?", 4), ("How many arms does an octopus have?", 8),
          ("How many sides does a hexagon have?", 6), ("How many sides does an octagon have?", 8),
          ("How many sides does a pentagon have?", 5), ("How many sides does a triangle have?", 3),
          ("How many days are in a week?", 7), ("How many months are in a year?", 12),
          ("How many hours are in a day?", 24), ("How many minutes are in an hour?", 60),
          ("How many planets are in our solar system?", 8), ("How many continents are there?", 7),
          ("How many players does a soccer team have on the field?", 11),
          ("How many strings does a standard guitar have?", 6), ("How many keys does a standard piano have?", 88),
          ("How many bones are in the adult human body?", 206), ("How many chromosomes do humans normally have?", 46),
          ("How many days are in a leap year?", 366), ("How many days are in a non-leap year?", 365),
          ("How many cards are in a standard deck, without jokers?", 52), ("How many squares are on a chessboard?", 64),
          ("How many letters are in the English alphabet?", 26), ("How many degrees are in a right angle?", 90),
          ("How many degrees are in a full circle?", 360), ("How many sides does a square have?", 4),
          ("How many wheels does a tricycle have?", 3), ("How many hearts does an octopus have?", 3),
          ("How many teeth does an adult human usually have, including wisdom teeth?", 32),
          ("How many states are in the United States?", 50), ("How many years are in a century?", 100),
          ("How many years are in a decade?", 10), ("How many players are on a basketball team on the court?", 5),
          ("How many faces does a cube have?", 6), ("How many edges does a cube have?", 12),
          ("How many vertices does a cube have?", 8), ("How many minutes are in a day?", 1440),
          ("How many seconds are in an hour?", 3600), ("How many grams are in a kilogram?", 1000)]

SCIENCE = [("What is the atomic number of carbon?", 6), ("What is the atomic number of oxygen?", 8),
           ("What is the atomic number of hydrogen?", 1), ("What is the atomic number of helium?", 2),
           ("What is the atomic number of iron?", 26), ("What is the atomic number of gold?", 79),
           ("What is the atomic number of sodium?", 11), ("What is the atomic number of nitrogen?", 7),
           ("At how many degrees Celsius does water boil at sea level?", 100),
           ("At how many degrees Fahrenheit does water boil at sea level?", 212),
           ("At how many degrees Fahrenheit does water freeze?", 32),
           ("What is the pH of pure water at 25 degrees Celsius?", 7),
           ("How many electrons can the first electron shell hold?", 2),
           ("How many chambers does the human heart have?", 4),
           ("How many moons does Mars have?", 2), ("How many bits are in a byte?", 8),
           ("How many bytes are in a kibibyte?", 1024), ("What is the sum of the angles of a triangle in degrees?", 180),
           ("How many valence electrons does carbon have?", 4), ("How many protons does a helium nucleus have?", 2),
           ("How many neutrons does carbon-14 have?", 8), ("How many hydrogen atoms are in one molecule of methane?", 4),
           ("How many atoms are in one molecule of water?", 3)]

YEARS = [("In what year did World War II end?", 1945), ("In what year did World War I begin?", 1914),
         ("In what year did humans first land on the Moon?", 1969), ("In what year did the Berlin Wall fall?", 1989),
         ("In what year did Columbus first reach the Americas?", 1492), ("In what year did the French Revolution begin?", 1789),
         ("In what year was the US Declaration of Independence signed?", 1776), ("In what year did the Titanic sink?", 1912),
         ("In what year did the Soviet Union dissolve?", 1991), ("In what year was the Magna Carta sealed?", 1215),
         ("In what year did the Battle of Hastings take place?", 1066),         ("In what year did the Wall Street Crash happen?", 1929), ("In what year did Nelson Mandela become president of South Africa?", 1994),
         ("In what year was the euro introduced as cash?", 2002), ("In what year did the first iPhone go on sale?", 2007),
         ("In what year did Napoleon lose the Battle of Waterloo?", 1815), ("In what year did the American Civil War end?", 1865),
         ("In what year did India become independent?", 1947), ("In what year did Einstein publish special relativity?", 1905)]


def kind_fact(rng):
    pool, kind = rng.choice([(COUNTS, "counting_fact"), (SCIENCE, "science_fact"), (YEARS, "history_year")])
    q, value = rng.choice(pool)
    return kind, q, value


def kind_python(rng):
    a, b = rng.randint(10, 99), rng.randint(2, 9)
    n = rng.randint(3, 12)
    word = rng.choice(["hello", "banana", "router", "python", "keyboard", "sun", "causal", "llama"])
    items = [rng.randint(1, 20) for _ in range(rng.randint(3, 6))]
    cases = [(f"What does len('{word}') return in Python?", len(word)),
             (f"In Python, what is {a} // {b}?", a // b), (f"In Python, what is {a} % {b}?", a % b),
             (f"What is the value of 2 ** {n} in Python?", 2 ** n), (f"What does sum(range({n})) evaluate to in Python?", sum(range(n))),
             (f"What does max({items}) return in Python?", max(items)), (f"What does len({items}) return in Python?", len(items)),
             (f"What does sum({items}) return in Python?", sum(items)),
             (f"What is printed by: x = {a}; x += {b}; print(x * 2)", (a + b) * 2),
             (f"In JavaScript, what is the value of [{', '.join(map(str, items))}].length?", len(items)),
             (f"What does this print?\nfor i in range({n}):\n    pass\nprint(i)", n - 1),
             (f"What is the output of print(len([x for x in range({a}) if x % {b} == 0]))?", len([x for x in range(a) if x % b == 0]))]
    q, value = rng.choice(cases)
    return "code_output", q, value


def kind_sequence(rng):
    start, step = rng.randint(1, 20), rng.randint(2, 9)
    kind = rng.choice(["arith", "geom", "square", "fib"])
    if kind == "arith":
        seq = [start + step * i for i in range(5)]
    elif kind == "geom":
        r = rng.choice([2, 3])
        seq = [start * r ** i for i in range(5)]
    elif kind == "square":
        o = rng.randint(1, 6)
        seq = [(o + i) ** 2 for i in range(5)]
    else:
        a, b = rng.randint(1, 5), rng.randint(1, 5)
        seq = [a, b]
        while len(seq) < 5:
            seq.append(seq[-1] + seq[-2])
    q = rng.choice([f"What number comes next: {', '.join(map(str, seq[:4]))}, ?",
                    f"Continue the sequence: {', '.join(map(str, seq[:4]))}, ...",
                    f"Find the next term of {', '.join(map(str, seq[:4]))}."])
    return "sequence", q, seq[4]


def roman(n):
    out = ""
    for value, letters in [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]:
        while n >= value:
            out, n = out + letters, n - value
    return out


def kind_roman(rng):
    n = rng.choice([rng.randint(1, 20), rng.randint(20, 100), rng.randint(100, 2026)])
    q = rng.choice([f"What number is the Roman numeral {roman(n)}?", f"Convert {roman(n)} to an ordinary number.",
                    f"{roman(n)} in Arabic numerals is?"])
    return "roman_numeral", q, n


NAMES = ["Maria", "Tom", "Aisha", "Kenji", "Lucas", "Priya", "Olga", "Sam", "Fatima", "Diego", "Mei", "Noah"]
THINGS = ["apples", "stickers", "marbles", "books", "pencils", "cookies", "stamps", "cards"]


def kind_word_problem(rng):
    name, thing = rng.choice(NAMES), rng.choice(THINGS)
    a, b, c = rng.randint(3, 40), rng.randint(2, 25), rng.randint(2, 9)
    cases = [("word_problem_one_step", f"{name} has {a} {thing} and buys {b} more. How many {thing} does {name} have now?", a + b),
             ("word_problem_one_step", f"{name} had {a + b} {thing} and gave {b} away. How many are left?", a),
             ("word_problem_one_step", f"There are {c} boxes with {b} {thing} in each. How many {thing} are there in total?", b * c),
             ("word_problem_one_step", f"{name} shares {b * c} {thing} equally among {c} friends. How many does each friend get?", b),
             ("word_problem_two_step", f"{name} buys {c} packs of {thing} with {b} in each pack, then gives away {min(a, b * c)}. How many {thing} does {name} keep?", b * c - min(a, b * c)),
             ("word_problem_two_step", f"A ticket costs ${b}. {name} buys {c} tickets and pays with ${b * c + a}. How much change, in dollars, does {name} get?", a),
             ("word_problem_two_step", f"{name} reads {b} pages a day for {c} days and then {a} pages on the last day. How many pages in all?", b * c + a),
             ("word_problem_two_step", f"A train travels {b * 10} km per hour for {c} hours, then {a} km more. How many km does it travel in total?", b * 10 * c + a),
             ("word_problem_two_step", f"{name} earns ${b} an hour, works {c} hours, and spends ${min(a, b * c)} on lunch. How many dollars are left?", b * c - min(a, b * c))]
    kind, q, value = rng.choice(cases)
    return kind, q, value


CHOICES = [("What is the capital of Australia?", ["Sydney", "Canberra", "Melbourne", "Perth"], 1),
           ("What is the capital of Canada?", ["Toronto", "Vancouver", "Ottawa", "Montreal"], 2),
           ("What is the capital of Japan?", ["Osaka", "Kyoto", "Tokyo", "Nagoya"], 2),
           ("What is the capital of Brazil?", ["Rio de Janeiro", "Brasilia", "Sao Paulo", "Salvador"], 1),
           ("What is the capital of Turkey?", ["Istanbul", "Ankara", "Izmir", "Antalya"], 1),
           ("What is the capital of Switzerland?", ["Zurich", "Geneva", "Bern", "Basel"], 2),
           ("Which planet is closest to the Sun?", ["Venus", "Mercury", "Mars", "Earth"], 1),
           ("Which planet is the largest?", ["Saturn", "Neptune", "Jupiter", "Earth"], 2),
           ("Which gas do plants take in for photosynthesis?", ["Oxygen", "Nitrogen", "Carbon dioxide", "Helium"], 2),
           ("What is the chemical symbol for gold?", ["Ag", "Au", "Gd", "Go"], 1),
           ("What is the chemical symbol for sodium?", ["So", "Sd", "Na", "S"], 2),
           ("Which organ pumps blood through the body?", ["Liver", "Lungs", "Heart", "Kidney"], 2),
           ("Who wrote 'Romeo and Juliet'?", ["Charles Dickens", "William Shakespeare", "Jane Austen", "Mark Twain"], 1),
           ("Who painted the Mona Lisa?", ["Michelangelo", "Raphael", "Leonardo da Vinci", "Donatello"], 2),
           ("What is the largest ocean on Earth?", ["Atlantic", "Indian", "Arctic", "Pacific"], 3),
           ("Which word is a synonym of 'happy'?", ["Sad", "Joyful", "Angry", "Tired"], 1),
           ("Which word is an antonym of 'ancient'?", ["Old", "Modern", "Historic", "Aged"], 1),
           ("Which is a prime number?", ["21", "27", "29", "33"], 2),
           ("Which data structure is first-in, first-out?", ["Stack", "Queue", "Tree", "Heap"], 1),
           ("What is the time complexity of binary search on a sorted array?", ["O(n)", "O(n log n)", "O(log n)", "O(1)"], 2),
           ("Which HTTP status code means 'Not Found'?", ["200", "301", "404", "500"], 2),
           ("Which keyword defines a function in Python?", ["func", "def", "function", "lambda"], 1),
           ("In which layer of the OSI model does TCP operate?", ["Network", "Transport", "Session", "Data link"], 1),
           ("Which of these is not a programming language?", ["Rust", "Go", "HTML", "Kotlin"], 2),
           ("What is the derivative of x^2?", ["x", "2x", "x^3/3", "2"], 1),
           ("Which enzyme unwinds the DNA double helix during replication?", ["Ligase", "Helicase", "Primase", "Polymerase"], 1),
           ("Which particle has a negative charge?", ["Proton", "Neutron", "Electron", "Photon"], 2),
           ("Which economist wrote 'The Wealth of Nations'?", ["Keynes", "Adam Smith", "Marx", "Ricardo"], 1),
           ("Which sorting algorithm has the best worst-case time complexity?", ["Quicksort", "Bubble sort", "Merge sort", "Insertion sort"], 2),
           ("In statistics, what does a p-value measure?", ["The probability the null hypothesis is true",
                                                             "The probability of data at least this extreme if the null hypothesis is true",
                                                             "The effect size", "The power of the test"], 1),
           ("Which amendment to the US Constitution abolished slavery?", ["First", "Thirteenth", "Fifteenth", "Nineteenth"], 1),
           ("Which consistency model does a system guarantee if every read returns the latest write?",
            ["Eventual consistency", "Linearizability", "Causal consistency", "Read-your-writes only"], 1),
           ("Which complexity class contains problems whose solutions can be verified in polynomial time?", ["P", "NP", "EXP", "L"], 1),
           ("Which organelle produces most of a cell's ATP?", ["Nucleus", "Ribosome", "Mitochondrion", "Golgi apparatus"], 2)]


def kind_choice(rng):
    q, options, right = rng.choice(CHOICES)
    order = list(range(4))
    rng.shuffle(order)
    letters = "ABCD"
    text = q + "\n" + "\n".join(f"{letters[i]}) {options[o]}" for i, o in enumerate(order))
    if rng.random() < 0.5:
        text += "\nAnswer with the letter."
    return "multiple_choice", text, letters[order.index(right)]


FOREIGN = {"es": ("¿Cuánto es {a} por {b}?", "¿Cuánto es {a} más {b}?", "¿Cuántos días tiene una semana?", "¿Cuántos minutos hay en {n} horas?"),
           "fr": ("Combien font {a} fois {b} ?", "Combien font {a} plus {b} ?", "Combien de jours y a-t-il dans une semaine ?", "Combien de minutes y a-t-il dans {n} heures ?"),
           "de": ("Was ist {a} mal {b}?", "Was ist {a} plus {b}?", "Wie viele Tage hat eine Woche?", "Wie viele Minuten sind {n} Stunden?")}


def kind_foreign(rng):
    lang = rng.choice(sorted(FOREIGN))
    times, plus, week, minutes = FOREIGN[lang]
    a, b, n = rng.randint(2, 99), rng.randint(2, 99), rng.randint(2, 9)
    case = rng.randrange(4)
    if case == 0:
        return lang, ("multiply_2x2" if a > 9 and b > 9 else "multiply_2x1"), times.format(a=a, b=b), a * b
    if case == 1:
        return lang, "add_small", plus.format(a=a, b=b), a + b
    if case == 2:
        return lang, "counting_fact", week, 7
    return lang, "unit_conversion", minutes.format(n=n), n * 60


KINDS = [(kind_arithmetic, 5), (kind_percent, 1), (kind_units, 1.5), (kind_fact, 3), (kind_python, 1.5),
         (kind_sequence, 1), (kind_roman, 1), (kind_word_problem, 2), (kind_choice, 2.5), (kind_foreign, 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1400)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default=os.path.join(ROOT, "data", "short_answers", "questions.jsonl"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    functions, weights = zip(*KINDS)
    rows, seen = [], set()
    while len(rows) < args.count:
        make = rng.choices(functions, weights)[0]
        out = make(rng)
        language = "en"
        if make is kind_foreign:
            language, kind, q, value = out
        else:
            kind, q, value = out
            q = register(rng, q)
        if q in seen:
            continue
        seen.add(q)
        rows.append({"id": f"sa-{len(rows) + 1:04d}", "prompt": q, "category": kind, "language": language,
                     "metadata": {"reference": str(value)}})
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    kinds = {}
    for row in rows:
        kinds[row["category"]] = kinds.get(row["category"], 0) + 1
    print(f"{len(rows)} questions in {len(kinds)} kinds -> {os.path.relpath(args.out, ROOT)}: {dict(sorted(kinds.items()))}")


if __name__ == "__main__":
    main()
