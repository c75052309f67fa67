import { Controller, type Control, type FieldErrors } from "react-hook-form";

import type { AmountType } from "../../api/types";
import { RadioField, TextField } from "../../ui/fields";
import { AMOUNT_TYPE_LABELS } from "../../ui/format";
import { FIELD_IDS, FIELD_LABELS, type AmountValues } from "./formSchema";
import { AMOUNT_TYPES } from "./validation";

const AMOUNT_TYPE_OPTIONS = AMOUNT_TYPES.map((value) => ({ value, label: AMOUNT_TYPE_LABELS[value] }));

/** "Amount type" and "Amount", shared by the add and edit forms. */
export function AmountFields<T extends AmountValues>({
  control,
  errors,
  amountType,
}: {
  control: Control<T>;
  errors: FieldErrors<AmountValues>;
  amountType: AmountType | "";
}) {
  const c = control as unknown as Control<AmountValues>;
  return (
    <>
      <Controller
        control={c}
        name="amountType"
        render={({ field }) => (
          <RadioField
            id={FIELD_IDS.amountType}
            label={FIELD_LABELS.amountType}
            value={field.value}
            options={AMOUNT_TYPE_OPTIONS}
            onChange={field.onChange}
            error={errors.amountType?.message}
          />
        )}
      />
      {amountType === "Balance Remainder" ? (
        <p className="hint field-note">Whatever is left of each paycheck after your other deposits goes here.</p>
      ) : (
        <Controller
          control={c}
          name="amount"
          render={({ field }) => (
            <TextField
              id={FIELD_IDS.amount}
              label={FIELD_LABELS.amount}
              value={field.value}
              onChange={field.onChange}
              onBlur={field.onBlur}
              inputRef={field.ref}
              error={errors.amount?.message}
              inputMode="decimal"
              prefix={amountType === "Percentage" ? undefined : "$"}
              suffix={amountType === "Percentage" ? "%" : undefined}
              width="short"
              description={
                amountType === "Percentage" ? "Percent of your net pay, up to 100" : "Dollars from each paycheck"
              }
            />
          )}
        />
      )}
    </>
  );
}
