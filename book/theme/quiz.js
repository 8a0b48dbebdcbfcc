// Quizzes of the theory chapters: choose an answer, press "Check", see it marked and the
// explanation. The answers are in the page's source on purpose: these are for self-study,
// never for grading.
document.addEventListener("click", function (event) {
    var button = event.target.closest(".quiz-check");
    if (!button) {
        return;
    }
    var question = button.closest(".quiz-question");
    var chosen = question.querySelector("input:checked");
    var result = question.querySelector(".quiz-result");
    var explain = question.querySelector(".quiz-explain");
    question.classList.remove("quiz-right", "quiz-wrong");
    if (!chosen) {
        result.textContent = "Choose an answer first.";
        return;
    }
    var right = chosen.value === question.dataset.answer;
    question.classList.add(right ? "quiz-right" : "quiz-wrong");
    result.textContent = right ? "✓ Right." : "✗ Not quite — try again, or read the explanation.";
    explain.hidden = false;
});
