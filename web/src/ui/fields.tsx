// Form fields on React Aria Components: label, description and error wired by ARIA for
// every field, validation messages from our schema (validationBehavior "aria": the browser's
// own bubbles never appear).

import type { ReactNode, Ref } from "react";
import {
  FieldError,
  Input,
  Label,
  Radio,
  RadioGroup,
  Text,
  TextArea,
  TextField as AriaTextField,
} from "react-aria-components";

interface TextProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  error?: string | undefined;
  description?: ReactNode;
  inputMode?: "numeric" | "decimal" | "text";
  autoComplete?: string;
  inputRef?: Ref<HTMLInputElement>;
  prefix?: string;
  suffix?: string;
  width?: "short" | "medium" | "long";
  isRequired?: boolean;
  spellCheck?: boolean;
}

export function TextField(props: TextProps) {
  const { id, label, error, description, prefix, suffix, width = "long" } = props;
  return (
    <AriaTextField
      className="field"
      value={props.value}
      onChange={props.onChange}
      onBlur={props.onBlur}
      isInvalid={Boolean(error)}
      isRequired={props.isRequired ?? true}
      validationBehavior="aria"
      autoComplete={props.autoComplete ?? "off"}
      inputMode={props.inputMode}
      spellCheck={props.spellCheck === undefined ? undefined : String(props.spellCheck)}
    >
      <Label className="field-label">{label}</Label>
      {description ? (
        <Text slot="description" className="field-hint">
          {description}
        </Text>
      ) : null}
      <FieldError className="field-error">{error}</FieldError>
      <div className={`input-wrap input-${width}`}>
        {prefix ? <span className="affix" aria-hidden="true">{prefix}</span> : null}
        <Input id={id} ref={props.inputRef} className="input" />
        {suffix ? <span className="affix" aria-hidden="true">{suffix}</span> : null}
      </div>
    </AriaTextField>
  );
}

export function TextAreaField(props: Omit<TextProps, "inputMode" | "prefix" | "suffix" | "inputRef"> & { inputRef?: Ref<HTMLTextAreaElement> }) {
  const { id, label, error, description } = props;
  return (
    <AriaTextField
      className="field"
      value={props.value}
      onChange={props.onChange}
      onBlur={props.onBlur}
      isInvalid={Boolean(error)}
      isRequired={props.isRequired ?? true}
      validationBehavior="aria"
    >
      <Label className="field-label">{label}</Label>
      {description ? (
        <Text slot="description" className="field-hint">
          {description}
        </Text>
      ) : null}
      <FieldError className="field-error">{error}</FieldError>
      <TextArea id={id} ref={props.inputRef} className="input textarea" rows={4} />
    </AriaTextField>
  );
}

interface RadioProps<T extends string> {
  id: string;
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  error?: string | undefined;
}

/** A set of choices shown at once (better than a drop-down for three options on a phone). */
export function RadioField<T extends string>({ id, label, value, options, onChange, error }: RadioProps<T>) {
  return (
    <RadioGroup
      id={id}
      className="field radio-field"
      // Nothing chosen yet is null: with "" React Aria takes "" as the choice and makes no
      // radio tabbable, so the group could not be reached by keyboard.
      value={value === "" ? null : value}
      onChange={(next) => onChange(next as T)}
      isInvalid={Boolean(error)}
      isRequired
      validationBehavior="aria"
      orientation="horizontal"
    >
      <Label className="field-label">{label}</Label>
      <FieldError className="field-error">{error}</FieldError>
      <div className="choices">
        {options.map((option) => (
          <Radio key={option.value} value={option.value} className="choice">
            <span className="choice-dot" aria-hidden="true" />
            <span className="choice-text">{option.label}</span>
          </Radio>
        ))}
      </div>
    </RadioGroup>
  );
}
