//! The Settings page: the model price table (costs) and the retention of the active database,
//! one section each; the sections own their data and calls.

import { PricesSection } from "../../prices/components/PricesSection";
import { RetentionSection } from "../../retention/components/RetentionSection";

export function SettingsPage() {
  return (
    <div className="page settings">
      <PricesSection />
      <RetentionSection />
    </div>
  );
}
