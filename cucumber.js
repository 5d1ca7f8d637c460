// Cucumber 12 configuration: step definitions run under ts-node (transpile only).
module.exports = {
  default: {
    requireModule: ['ts-node/register/transpile-only'],
    require: ['step-definitions/**/*.ts'],
    paths: ['features/**/*.feature'],
    format: ['summary', 'json:reports/cucumber.json', 'html:reports/cucumber.html'],
  },
};
