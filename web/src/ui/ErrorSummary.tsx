// The error summary (GOV.UK pattern): role "alert", takes focus when it appears or changes,
// and links each problem to its field.

import { useEffect, useRef } from "react";

export interface Problem {
  /** The id of the field to focus, when the problem belongs to one. */
  fieldId?: string;
  message: string;
}

export function ErrorSummary({ problems, title = "There is a problem" }: { problems: Problem[]; title?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const key = problems.map((p) => p.message).join("\n");
  useEffect(() => {
    if (key) box.current?.focus();
  }, [key]);
  if (problems.length === 0) return null;
  return (
    <div ref={box} className="error-summary" role="alert" tabIndex={-1} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">{title}</h2>
      <ul>
        {problems.map((problem) => (
          <li key={`${problem.fieldId ?? ""}:${problem.message}`}>
            {problem.fieldId ? (
              <a
                href={`#${problem.fieldId}`}
                onClick={(event) => {
                  event.preventDefault();
                  focusField(problem.fieldId ?? "");
                }}
              >
                {problem.message}
              </a>
            ) : (
              problem.message
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Focuses a field by id; for a group (radio buttons) its checked or first input. */
function focusField(id: string): void {
  const element = document.getElementById(id);
  if (!element) return;
  const target = element.matches("input, textarea, select, button")
    ? element
    : (element.querySelector<HTMLElement>("input:checked") ?? element.querySelector<HTMLElement>("input"));
  target?.focus();
}
