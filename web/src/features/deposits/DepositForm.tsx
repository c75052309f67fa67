// Step 1 of adding a deposit: the bank account and the amount. "Continue" checks every field
// with the server's rules and moves to the review step.

import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { Button, Form } from "react-aria-components";
import { Controller, useForm, type FieldErrors } from "react-hook-form";

import { ErrorSummary, type Problem } from "../../ui/ErrorSummary";
import { RadioField, TextField } from "../../ui/fields";
import { DESIGNATION_LABELS } from "../../ui/format";
import { AmountFields } from "./AmountFields";
import { depositSchema, FIELD_IDS, FIELD_LABELS, normalize, type DepositValues, type FieldName } from "./formSchema";
import { DESIGNATIONS } from "./validation";

const DESIGNATION_OPTIONS = DESIGNATIONS.map((value) => ({ value, label: DESIGNATION_LABELS[value] }));

export function problemsOf(errors: FieldErrors, order: readonly FieldName[]): Problem[] {
  return order.flatMap((name) => {
    const message = errors[name]?.message;
    return typeof message === "string" ? [{ fieldId: FIELD_IDS[name], message }] : [];
  });
}

const ORDER: FieldName[] = ["routingNumber", "accountNumber", "confirmAccountNumber", "designation", "amountType", "amount"];

export function DepositForm({
  initial,
  onContinue,
  onCancel,
}: {
  initial: DepositValues;
  onContinue: (values: DepositValues) => void;
  onCancel: () => void;
}) {
  const [problems, setProblems] = useState<Problem[]>([]);
  const form = useForm<DepositValues>({
    defaultValues: initial,
    resolver: zodResolver(depositSchema),
    mode: "onSubmit",
    reValidateMode: "onSubmit",
    shouldFocusError: false,
  });
  const { control, formState, watch } = form;
  const amountType = watch("amountType");

  const submit = (event: React.FormEvent<HTMLFormElement>) => {
    for (const name of ["routingNumber", "accountNumber", "confirmAccountNumber"] as const) {
      form.setValue(name, normalize(form.getValues())[name]);
    }
    void form.handleSubmit(
      (values) => {
        setProblems([]);
        onContinue(values);
      },
      (errors) => setProblems(problemsOf(errors, ORDER)),
    )(event);
  };

  const text = (name: "routingNumber" | "accountNumber" | "confirmAccountNumber", extra: Partial<Parameters<typeof TextField>[0]>) => (
    <Controller
      control={control}
      name={name}
      render={({ field }) => (
        <TextField
          id={FIELD_IDS[name]}
          label={FIELD_LABELS[name]}
          value={field.value}
          onChange={field.onChange}
          onBlur={field.onBlur}
          inputRef={field.ref}
          error={formState.errors[name]?.message}
          {...extra}
        />
      )}
    />
  );

  return (
    <Form className="form" onSubmit={submit} validationBehavior="aria">
      <ErrorSummary problems={problems} />
      <fieldset className="form-section">
        <legend>Bank account</legend>
        {text("routingNumber", {
          inputMode: "numeric",
          width: "medium",
          description: "9 digits, printed bottom left on a check",
        })}
        {text("accountNumber", { inputMode: "text", width: "medium", description: "Up to 17 letters or digits", spellCheck: false })}
        {text("confirmAccountNumber", { inputMode: "text", width: "medium", spellCheck: false })}
        <Controller
          control={control}
          name="designation"
          render={({ field }) => (
            <RadioField
              id={FIELD_IDS.designation}
              label={FIELD_LABELS.designation}
              value={field.value}
              options={DESIGNATION_OPTIONS}
              onChange={field.onChange}
              error={formState.errors.designation?.message}
            />
          )}
        />
      </fieldset>
      <fieldset className="form-section">
        <legend>How much</legend>
        <AmountFields control={control} errors={formState.errors} amountType={amountType} />
      </fieldset>
      <div className="form-actions">
        <Button type="submit" className="button button-primary">
          Continue
        </Button>
        <Button className="button button-quiet" onPress={onCancel}>
          Cancel
        </Button>
      </div>
    </Form>
  );
}
