// The custom field form shows only the parts the chosen type uses (without script, all show).
const fieldType = document.getElementById("field_type");
if (fieldType) {
  const show = () => {
    for (const part of document.querySelectorAll("[data-for-types]")) {
      part.hidden = !part.dataset.forTypes.split(" ").includes(fieldType.value);
    }
  };
  fieldType.addEventListener("change", show);
  show();
}
